/**
 * `transport-lab run`: picks scenarios (names, or a suite), applies the command-line trims, runs
 * them, writes the results file, prints the summary table (or the JSON with --json), and on
 * Ctrl-C or SIGTERM stops after the current run's traffic and still writes what it has (partial
 * results; see interrupt.ts).
 */
import { Option, type Command } from 'commander';
import {
  CONTENDERS,
  isContender,
  defineScenario,
  hasBrowserClient,
  getScenario,
  getSuite,
  planSuite,
  durationSchema,
  BACKPLANES,
  BALANCERS,
  parseNodeFaults,
  type BalancerMode,
  type Overrides,
  type Scenario,
  type ScenarioInput,
  type SuiteEntry,
} from '../scenarios/index.js';
import { LIBRARY, LONG_SCENARIOS } from '../scenarios/library/index.js';
import type { Contender, ResultsFile } from '../scenarios/results.js';
import { executeEntries, parseRepeat } from './execute.js';
import { importScenarioFile } from './scenario-file.js';
import { decide, DEFAULT_DECISION_WORKLOAD, renderDecisionHeadlines, renderTable } from '../reports/index.js';
import { runLabel } from '../reports/groups.js';
import type { WireCheck } from '../scenarios/meter/wire-check.js';

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
  repeat?: string;
  /** true (the flag alone), or "on", "off", "off,on". */
  tls?: boolean | string;
  http?: string;
  compression?: string;
  nodes?: string;
  balancer?: string;
  backplane?: string;
  fault?: string;
  /** Every client's connect timeout, e.g. 30s (default: scaled with the client count). */
  connectTimeout?: string;
}

/** `--connect-timeout`: a duration, or undefined when not given. */
export function parseConnectTimeout(text?: string): number | undefined {
  if (text === undefined) return undefined;
  const parsed = durationSchema.safeParse(/^\d+$/.test(text) ? Number(text) : text);
  if (!parsed.success || parsed.data <= 0) throw new Error(`--connect-timeout takes e.g. 10s, 30s (got ${text})`);
  return parsed.data;
}

const list = (text?: string) =>
  text
    ? text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

/** What one `--clients` item sets. */
export type ClientSpec = Pick<Overrides, 'clients' | 'clientMode'>;

/**
 * `--clients`: comma-separated items, each "N" (N Node clients), "browser" (the scenario's count, as
 * Chromium pages) or "browser:N". Several items run every scenario once per item: "4,browser:4"
 * puts Node-client and browser-client runs side by side in the report.
 */
export function parseClients(text: string | undefined): ClientSpec[] {
  if (text === undefined) return [{}];
  return text.split(',').map((item): ClientSpec => {
    const given = item.trim();
    if (given === 'browser') return { clientMode: 'browser' };
    const browser = given.startsWith('browser:');
    const count = browser ? given.slice('browser:'.length) : given;
    const clients = /^\d+$/.test(count) ? Number(count) : 0;
    if (clients < 1)
      throw new Error(
        `--clients takes a positive integer, "browser" or "browser:N", comma-separated (got ${JSON.stringify(text)})`,
      );
    return browser ? { clients, clientMode: 'browser' } : { clients };
  });
}

/** Everything but --clients (see parseClients and withClients). */
export function parseOverrides(o: RunCommandOptions): Overrides {
  const contenders = list(o.transports);
  for (const c of contenders ?? [])
    if (!isContender(c))
      throw new Error(`Unknown transport ${JSON.stringify(c)}; choose from ${CONTENDERS.join(', ')}`);
  const duration =
    o.duration === undefined
      ? undefined
      : durationSchema.safeParse(/^\d+$/.test(o.duration) ? Number(o.duration) : o.duration);
  if (duration && !duration.success) throw new Error(`--duration takes e.g. 500ms, 10s, 2m (got ${o.duration})`);
  const http = list(o.http);
  if (http?.some((h) => h !== '1.1' && h !== '2')) throw new Error(`--http takes 1.1, 2 or 1.1,2 (got ${o.http})`);
  const onOff = (flag: string, text: string | undefined) =>
    list(text)?.map((c) => {
      if (c !== 'on' && c !== 'off') throw new Error(`--${flag} takes on, off or off,on (got ${text})`);
      return c === 'on';
    });
  const compression = onOff('compression', o.compression);
  // --tls alone is "on"; --http 2 implies it (browsers speak HTTP/2 only over TLS).
  const tls =
    o.tls === true ? [true] : (onOff('tls', o.tls || undefined) ?? (http?.includes('2') ? [true] : undefined));
  const nodes = list(o.nodes)?.map((n) => {
    if (!/^\d+$/.test(n) || Number(n) < 1 || Number(n) > 16) throw new Error(`--nodes takes counts 1–16 (got ${n})`);
    return Number(n);
  });
  const balancers = list(o.balancer);
  for (const b of balancers ?? [])
    if (!(BALANCERS as readonly string[]).includes(b))
      throw new Error(`--balancer takes ${BALANCERS.join(', ')} (got ${JSON.stringify(b)})`);
  const backplanes = list(o.backplane);
  for (const b of backplanes ?? [])
    if (!(BACKPLANES as readonly string[]).includes(b))
      throw new Error(`--backplane takes ${BACKPLANES.join(', ')} (got ${JSON.stringify(b)})`);
  return {
    ...(tls ? { tls } : {}),
    ...(http ? { http: http as Array<'1.1' | '2'> } : {}),
    ...(compression ? { compression } : {}),
    contenders: contenders as Contender[] | undefined,
    networks: list(o.network),
    middleboxes: list(o.middlebox)?.map((m) => (m === 'none' ? null : m)),
    durationMs: duration?.data,
    ...(nodes ? { nodes } : {}),
    ...(balancers ? { balancers: balancers as BalancerMode[] } : {}),
    ...(backplanes ? { backplanes: backplanes as Array<'memory' | 'redis'> } : {}),
    ...(o.fault ? { nodeFaults: parseNodeFaults(o.fault) } : {}),
  };
}

/**
 * Each entry once per client spec, the spec winning over the entry's own trims. A contender without
 * a browser client named in --transports is an error with browser clients; from a scenario's or
 * suite's own list it is left out (expandScenario), and `browserSkips` names it for a note.
 */
export function withClients(entries: SuiteEntry[], specs: ClientSpec[], overrides: Overrides): SuiteEntry[] {
  const without = specs.some((s) => s.clientMode === 'browser')
    ? (overrides.contenders ?? []).filter((c) => !hasBrowserClient(c))
    : [];
  if (without.length) {
    throw new Error(
      `${without.join(', ')} has no browser client (its client runs in Node only): leave it out of --transports, or run it with Node clients`,
    );
  }
  return entries.flatMap((e) => specs.map((spec) => ({ ...e, overrides: { ...e.overrides, ...spec } })));
}

/** Built-in names, or paths of files that default-export a defineScenario(...). */
export async function selectEntries(names: string[], suite?: string): Promise<SuiteEntry[]> {
  if (suite && names.length) throw new Error('give scenario names or --suite, not both');
  if (suite) return getSuite(suite);
  // Without names: every scenario but the long throughput climb and the cluster (it needs redis-server and haproxy).
  const chosen = names.length ? names : [...LIBRARY.keys()].filter((n) => !LONG_SCENARIOS.has(n));
  return Promise.all(
    chosen.map(async (n) => ({ scenario: /\.[cm]?[jt]s$/.test(n) ? await loadScenarioFile(n) : getScenario(n) })),
  );
}

async function loadScenarioFile(path: string): Promise<Scenario> {
  const mod = await importScenarioFile(path);
  // Re-validate: the file may have built its object by hand.
  return defineScenario(mod.default as ScenarioInput);
}

export async function runCommand(names: string[], o: RunCommandOptions): Promise<number> {
  const overrides = parseOverrides(o);
  const repeat = parseRepeat(o.repeat);
  const connectTimeoutMs = parseConnectTimeout(o.connectTimeout);
  const entries = withClients(await selectEntries(names, o.suite), parseClients(o.clients), overrides);
  const skipped = browserSkips(entries, overrides);
  if (skipped.length && !o.json)
    process.stderr.write(`Note: ${skipped.join(', ')} skipped: no browser client (its client runs in Node only).\n`);
  const { results, exitCode, planned } = await executeEntries(entries, overrides, { ...o, repeat, connectTimeoutMs });
  if (o.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  else {
    process.stdout.write(renderTable(results).trimEnd() + '\n\n');
    process.stdout.write(renderDecisionHeadlines(decide(results, results.decision ?? DEFAULT_DECISION_WORKLOAD)));
    if (o.verifyCapture) process.stdout.write(wireCheckText(results));
    const interrupted = exitCode !== null ? ', interrupted' : '';
    process.stdout.write(`\nResults: ${o.out} (${results.runs.length} of ${planned} runs${interrupted})\n`);
    if (o.report) process.stdout.write(`HTML report: ${o.report}\n`);
  }
  // A failed run is a finding (e.g. nothing connects through that middlebox), not a tool error.
  return exitCode ?? 0;
}

/** Contenders the browser-client entries would have run with Node clients: left out, for a note. */
function browserSkips(entries: SuiteEntry[], overrides: Overrides): Contender[] {
  const browser = entries
    .filter((e) => e.overrides?.clientMode === 'browser')
    .map((e) => ({ ...e, overrides: { ...e.overrides, clientMode: undefined } }));
  return [
    ...new Set(
      planSuite(browser, overrides)
        .map((p) => p.contender)
        .filter((c) => !hasBrowserClient(c)),
    ),
  ];
}

function wireCheckText(results: ResultsFile): string {
  const lines = results.runs.map((r) => {
    const w = r.params.wireCheck as WireCheck | { error: string } | undefined;
    const name = `${r.scenario} · ${runLabel(r)}`.padEnd(36);
    if (!w) return `  ${name} not captured`;
    if ('error' in w) return `  ${name} capture failed: ${w.error}`;
    const pair = (k: 'upstream' | 'downstream') =>
      `${k} metered ${w.metered[k]} / captured ${w.captured[k]}${w.inFlightAtCuts[k] ? ` (${w.inFlightAtCuts[k]} in flight at cuts)` : ''}`;
    const verdict = w.equal
      ? 'equal'
      : w.accounted
        ? `equal on every connection that ended in order; ${w.cutConnections} cut connection(s) had bytes in flight`
        : `DIFFERENT on ${w.mismatches.length} connection(s)`;
    return `  ${name} ${pair('upstream')}, ${pair('downstream')}: ${verdict}`;
  });
  return `\nWire bytes vs tshark capture (docs/measurement.md, "Equal to the capture"):\n${lines.join('\n')}\n`;
}

export function registerRunCommand(program: Command): Command {
  return program
    .command('run')
    .description('Run scenarios against every transport and peer behind an emulated network; write a results file')
    .argument(
      '[scenario...]',
      `built-in scenarios (${[...LIBRARY.keys()].join(', ')}) or scenario files (.ts/.js); default: all but ${[...LONG_SCENARIOS].join(', ')}`,
    )
    .option('--transports <list>', `comma-separated contenders: ${CONTENDERS.join(', ')}`)
    .option('--network <list>', 'comma-separated network profiles (see `transport-lab list`)')
    .option('--middlebox <list>', 'comma-separated middleboxes, e.g. block-websocket,flaky:2 ("none" for no middlebox)')
    .option(
      '--clients <n|browser[:n]>',
      'clients per run (overrides the scenario): N Node clients; "browser" runs the scenario\'s clients as headless ' +
        'Chromium pages (real WebSocket, EventSource, fetch and request headers); "browser:N" N of them; ' +
        'a list such as "4,browser:4" runs both, side by side in the report. Needs Chromium (CHROMIUM_PATH ' +
        `or Playwright's); contenders without a browser client (${CONTENDERS.filter((c) => !hasBrowserClient(c)).join(', ')}) are skipped`,
    )
    .option('--duration <d>', 'traffic time per run, e.g. 10s (overrides the scenario)')
    .option(
      '--repeat <n>',
      'run every plan n times, interleaved; reports show the median of the runs and its interval, and claim a difference only beyond their noise (default 1)',
    )
    .option(
      '--connect-timeout <d>',
      "every client's connect timeout, e.g. 30s (default: the client's own, scaled up from ~1,300 clients on)",
    )
    .option(
      '--nodes <list>',
      'server processes, comma-separated, e.g. 1,3: more than one is a cluster on Redis behind HAProxy',
    )
    .option('--balancer <list>', `a cluster's balancer: ${BALANCERS.join(', ')} (no affinity, or cookie affinity)`)
    .option('--backplane <list>', `what the nodes share: ${BACKPLANES.join(', ')} (default: redis for clusters)`)
    .option('--fault <list>', 'node faults in the traffic phase, e.g. kill-node:1@4s,restart-node:1@8s')
    .option('--suite <name>', 'a named suite instead of scenario names (default, full)')
    .option('--out <file>', 'results JSON', 'reports/out/results.json')
    .option('--report <file>', 'also write the HTML report here')
    .option('--json', 'print the results JSON on stdout (no progress, no table)')
    .option(
      '--tls [list]',
      'over TLS 1.3 (https:, wss:) with a throwaway certificate per run; "off,on" runs both. Bytes gain a TLS category',
    )
    .option('--http <list>', 'HTTP version(s) for SSE, long-polling and POSTs: 1.1, 2 or 1.1,2 (2 implies --tls)')
    .option('--compression <list>', 'on, off or on,off: compression on every transport (deflate, gzip/brotli)')
    .option('--verify-capture', 'capture each run with tshark; record captured vs metered bytes in params.wireCheck')
    .addOption(new Option('--no-progress', 'one line per finished run instead of a progress bar'))
    .addHelpText(
      'after',
      '\nExit codes: 0 done (failed runs are results, see status), 2 bad arguments, 130 interrupted by Ctrl-C (SIGINT),\n' +
        '143 stopped by SIGTERM: both after writing partial results (and the report, with --report). A second signal\n' +
        'quits at once, writing the runs finished so far.',
    )
    .action(async (names: string[], options: RunCommandOptions) => {
      process.exitCode = await runCommand(names, options);
    });
}
