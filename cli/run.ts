/**
 * `transport-lab run`: picks scenarios (names, or a suite), applies the command-line trims, runs
 * them, writes the results file, prints the summary table (or the JSON with --json), and on
 * Ctrl-C stops after the current run's traffic and still writes what it has (partial results).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Option, type Command } from 'commander';
import {
  CONTENDERS,
  defineScenario,
  getScenario,
  getSuite,
  planSuite,
  durationSchema,
  runSuite,
  type Overrides,
  type Scenario,
  type ScenarioInput,
  type SuiteEntry,
} from '../scenarios/index.js';
import { LIBRARY } from '../scenarios/library/index.js';
import type { Contender, ResultsFile, RunResult } from '../scenarios/results.js';
import { emptyResults } from '../scenarios/suite.js';
import { createProgress } from './progress.js';
import { renderHtml, renderTable } from '../reports/index.js';

export interface RunCommandOptions {
  transports?: string;
  network?: string;
  middlebox?: string;
  clients?: string;
  duration?: string;
  suite?: string;
  out: string;
  report?: string;
  json?: boolean;
  progress?: boolean;
  verifyCapture?: boolean;
}

const list = (text?: string) => (text ? text.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

export function parseOverrides(o: RunCommandOptions): Overrides {
  const contenders = list(o.transports);
  for (const c of contenders ?? [])
    if (!(CONTENDERS as readonly string[]).includes(c)) throw new Error(`Unknown transport ${JSON.stringify(c)}; choose from ${CONTENDERS.join(', ')}`);
  const clients = o.clients === undefined ? undefined : Number(o.clients);
  if (clients !== undefined && !(Number.isInteger(clients) && clients > 0)) throw new Error(`--clients must be a positive integer (got ${o.clients})`);
  const duration = o.duration === undefined ? undefined : durationSchema.safeParse(/^\d+$/.test(o.duration) ? Number(o.duration) : o.duration);
  if (duration && !duration.success) throw new Error(`--duration takes e.g. 500ms, 10s, 2m (got ${o.duration})`);
  return {
    contenders: contenders as Contender[] | undefined,
    networks: list(o.network),
    middleboxes: list(o.middlebox)?.map((m) => (m === 'none' ? null : m)),
    clients,
    durationMs: duration?.data,
  };
}

/** Built-in names, or paths of files that default-export a defineScenario(...). */
export async function selectEntries(names: string[], suite?: string): Promise<SuiteEntry[]> {
  if (suite && names.length) throw new Error('give scenario names or --suite, not both');
  if (suite) return getSuite(suite);
  const chosen = names.length ? names : [...LIBRARY.keys()].filter((n) => n !== 'throughput');
  return Promise.all(chosen.map(async (n) => ({ scenario: /\.[cm]?[jt]s$/.test(n) ? await loadScenarioFile(n) : getScenario(n) })));
}

async function loadScenarioFile(path: string): Promise<Scenario> {
  const mod = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  // Re-validate: the file may have built its object by hand.
  return defineScenario(mod.default as ScenarioInput);
}

async function writeJson(path: string, results: ResultsFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(results, null, 2) + '\n');
}

export async function runCommand(names: string[], o: RunCommandOptions): Promise<number> {
  const entries = await selectEntries(names, o.suite);
  const overrides = parseOverrides(o);
  const plans = planSuite(entries, overrides); // validates networks and middleboxes before anything starts
  const progress = createProgress(plans, o.json ? 'silent' : process.stderr.isTTY && o.progress !== false ? 'bar' : 'lines');
  const abort = new AbortController();
  const partial: RunResult[] = [];
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts === 1) {
      abort.abort();
      process.stderr.write('\nInterrupted: finishing the current run and writing partial results (Ctrl-C again to quit now)\n');
    } else {
      void writeJson(o.out, { ...emptyResults(), runs: partial }).finally(() => process.exit(130));
    }
  };
  process.on('SIGINT', onSigint);
  let results: ResultsFile;
  try {
    results = await runSuite(entries, {
      overrides,
      signal: abort.signal,
      verifyCapture: o.verifyCapture,
      onRunStart: (plan, i, total) => progress.runStart(plan, i, total),
      onRunProgress: (plan, p) => progress.runProgress(plan, p),
      onRunEnd: (result, i, total) => (partial.push(result), progress.runEnd(result, i, total)),
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
  }
  await writeJson(o.out, results);
  if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  else {
    process.stdout.write(renderTable(results).trimEnd() + '\n');
    if (o.verifyCapture) process.stdout.write(wireCheckText(results));
    process.stdout.write(`\nResults: ${o.out} (${results.runs.length} of ${plans.length} runs${abort.signal.aborted ? ', interrupted' : ''})\n`);
  }
  if (o.report) {
    await mkdir(dirname(o.report), { recursive: true });
    await writeFile(o.report, renderHtml(results));
    if (!o.json) process.stdout.write(`HTML report: ${o.report}\n`);
  }
  // A failed run is a finding (e.g. nothing connects through that middlebox), not a tool error.
  return abort.signal.aborted ? 130 : 0;
}

function wireCheckText(results: ResultsFile): string {
  const lines = results.runs.map((r) => {
    const w = r.params.wireCheck as
      | { captured: { upstream: number; downstream: number }; metered: { upstream: number; downstream: number }; equal: boolean }
      | { error: string }
      | undefined;
    const name = `${r.scenario} · ${r.contender}`.padEnd(36);
    if (!w) return `  ${name} not captured`;
    if ('error' in w) return `  ${name} capture failed: ${w.error}`;
    const pair = (k: 'upstream' | 'downstream') => `${k} metered ${w.metered[k]} / captured ${w.captured[k]}`;
    return `  ${name} ${pair('upstream')}, ${pair('downstream')}: ${w.equal ? 'equal' : 'DIFFERENT'}`;
  });
  return `\nWire bytes vs tshark capture:\n${lines.join('\n')}\n`;
}

export function registerRunCommand(program: Command): Command {
  return program
    .command('run')
    .description('Run scenarios against every transport and peer behind an emulated network; write a results file')
    .argument('[scenario...]', `built-in scenarios (${[...LIBRARY.keys()].join(', ')}) or scenario files (.ts/.js); default: all but throughput`)
    .option('--transports <list>', `comma-separated contenders: ${CONTENDERS.join(', ')}`)
    .option('--network <list>', 'comma-separated network profiles (see `transport-lab list`)')
    .option('--middlebox <list>', 'comma-separated middleboxes, e.g. block-websocket,flaky:2 ("none" for no middlebox)')
    .option('--clients <n>', 'clients per run (overrides the scenario)')
    .option('--duration <d>', 'traffic time per run, e.g. 10s (overrides the scenario)')
    .option('--suite <name>', 'a named suite instead of scenario names (default, full)')
    .option('--out <file>', 'results JSON', 'reports/out/results.json')
    .option('--report <file>', 'also write the HTML report here')
    .option('--json', 'print the results JSON on stdout (no progress, no table)')
    .option('--verify-capture', 'capture each run with tshark; record captured vs metered bytes in params.wireCheck')
    .addOption(new Option('--no-progress', 'one line per finished run instead of a progress bar'))
    .addHelpText('after', '\nExit codes: 0 done (failed runs are results, see status), 2 bad arguments, 130 interrupted (partial results written).')
    .action(async (names: string[], options: RunCommandOptions) => {
      process.exitCode = await runCommand(names, options);
    });
}
