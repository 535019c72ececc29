/**
 * `transport-lab run`: picks scenarios (names, or a suite), applies the command-line trims, runs
 * them, writes the results file, prints the summary table (or the JSON with --json), and on
 * Ctrl-C stops after the current run's traffic and still writes what it has (partial results).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import {
  CONTENDERS,
  getScenario,
  getSuite,
  planSuite,
  durationSchema,
  runSuite,
  type Overrides,
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

export function selectEntries(names: string[], suite?: string): SuiteEntry[] {
  if (suite && names.length) throw new Error('give scenario names or --suite, not both');
  if (suite) return getSuite(suite);
  return (names.length ? names : [...LIBRARY.keys()].filter((n) => n !== 'throughput')).map((n) => ({ scenario: getScenario(n) }));
}

async function writeJson(path: string, results: ResultsFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(results, null, 2) + '\n');
}

export async function runCommand(names: string[], o: RunCommandOptions): Promise<number> {
  const entries = selectEntries(names, o.suite);
  const overrides = parseOverrides(o);
  const plans = planSuite(entries, overrides); // validates networks and middleboxes before anything starts
  const progress = createProgress(plans, o.json || o.progress === false ? 'silent' : process.stderr.isTTY ? 'bar' : 'lines');
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

export function registerRunCommand(program: Command): Command {
  return program
    .command('run')
    .description('Run scenarios against every transport and peer behind an emulated network; write a results file')
    .argument('[scenario...]', `built-in scenarios (${[...LIBRARY.keys()].join(', ')}); default: all but throughput`)
    .option('--transports <list>', `comma-separated contenders: ${CONTENDERS.join(', ')}`)
    .option('--network <list>', 'comma-separated network profiles (see `transport-lab list`)')
    .option('--middlebox <list>', 'comma-separated middleboxes, e.g. block-websocket,flaky:2 ("none" for no middlebox)')
    .option('--clients <n>', 'clients per run (overrides the scenario)')
    .option('--duration <d>', 'traffic time per run, e.g. 10s (overrides the scenario)')
    .option('--suite <name>', 'a named suite instead of scenario names (default, full)')
    .option('--out <file>', 'results JSON', 'reports/out/results.json')
    .option('--report <file>', 'also write the HTML report here')
    .option('--json', 'print the results JSON on stdout (no progress, no table)')
    .addOption(new Option('--no-progress', 'no progress bar'))
    .addHelpText('after', '\nExit codes: 0 done (failed runs are results, see status), 2 bad arguments, 130 interrupted (partial results written).')
    .action(async (names: string[], options: RunCommandOptions) => {
      process.exitCode = await runCommand(names, options);
    });
}
