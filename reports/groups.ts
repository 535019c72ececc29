/**
 * Runs that are compared with each other: same scenario, network, middlebox and workload (payload
 * size, compression: see workloadOf), different contenders — Node-client and browser-client runs side
 * by side ("websocket", "websocket (browser)"). Within a group, the repeated runs of one contender
 * (`run --repeat N`) form one Entry, whose figures are the median of its runs with an interval
 * (noise.ts); an entry is ranked (verdict.ts: ★, the verdict; decide.ts) when every one of its runs
 * completed and at least one is valid (validity.ts), and its figures come from its valid runs only.
 */
import { CONTENDER_INFO, pinnedTransport } from '../scenarios/contenders.js';
import type { RunResult } from '../scenarios/results.js';
import { findMetric, type Metric } from './metrics.js';
import { pooledNoise, spreadOf, type Spread } from './noise.js';
import { invalidReasons } from './validity.js';

export interface RunGroup {
  id: string; // stable, HTML-id-safe
  title: string; // "ticker · lan · block-websocket"
  scenario: string;
  description: string;
  network: RunResult['network'];
  middlebox: string | null;
  /** The workload variant all runs share ("64 KB, compression on"), or null when the scenario has none. */
  workload: string | null;
  /** The client modes among the runs, first seen first. */
  clientModes: Array<RunResult['clientMode']>;
  /** Every run, repeats included, in file order. */
  runs: RunResult[];
  /** One per contender (runKey), its repeats together, first seen first. */
  entries: Entry[];
  /** The comparison's typical run-to-run spread of a metric (noise.ts pooledNoise over its entries). */
  noise(metric: Metric): number;
}

/** The repeated runs of one contender in one comparison. */
export interface Entry {
  key: string; // runKey
  label: string; // runLabel
  contender: RunResult['contender'];
  clientMode: RunResult['clientMode'];
  runs: RunResult[];
  /** The runs whose figures count: valid ones (validity.ts) that did not fail. */
  counted: RunResult[];
  /** The run whose charts and events stand for the entry: the counted run with the median lead latency. */
  representative: RunResult;
  /** 'failed' when every run failed, 'partial' when any run did not complete, else 'ok'. */
  status: RunResult['status'];
  /** Why runs of it are invalid ("load generator at 97 % of a core"), with how many. */
  invalid: string[];
}

/**
 * A variant of a contender within one scenario (e.g. behind-proxy runs `auto` with the "fallback"
 * and the "upgrade" strategy): the runner's `params.variant`, when it is a non-empty string.
 */
export function variantOf(run: RunResult): string | null {
  const variant = run.params.variant;
  return typeof variant === 'string' && variant !== '' ? variant : null;
}

/**
 * The part of a run's variant that changes what is sent — payload size, compression — recorded by
 * the runner as `params.workload` (scenarios/plan.ts): runs with different ones are separate
 * comparisons. The auto client's strategy is not part of it: "auto (fallback)" and "auto (upgrade)"
 * stay beside the other contenders.
 */
export function workloadOf(run: RunResult): string | null {
  const workload = run.params.workload;
  return typeof workload === 'string' && workload !== '' ? workload : null;
}

/** How a run is named in tables and charts: "websocket", "auto (upgrade)", "sse (browser)". */
export function runLabel(run: RunResult): string {
  const notes = [variantOf(run), run.clientMode === 'browser' ? 'browser' : null].filter(Boolean);
  return notes.length ? `${run.contender} (${notes.join(', ')})` : run.contender;
}

/** The identity of a run across results files (for baselines) and within a group; repeats share it. */
export function runKey(run: RunResult): string {
  return [run.scenario, run.network.name, run.middlebox ?? '-', run.clientMode, runLabel(run)].join(' | ');
}

/** Groups in first-seen order; runs keep their order within a group. */
export function groupRuns(runs: readonly RunResult[]): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  for (const run of runs) {
    const workload = workloadOf(run);
    const key = [run.scenario, run.network.name, run.middlebox ?? '-', workload ?? '-'].join('\u0000');
    let group = groups.get(key);
    if (!group) {
      group = {
        id: `g${groups.size + 1}`,
        title: [run.scenario, run.network.name, run.middlebox ?? 'no middlebox', ...(workload ? [workload] : [])].join(
          ' · ',
        ),
        scenario: run.scenario,
        description: run.description,
        network: run.network,
        middlebox: run.middlebox,
        workload,
        clientModes: [],
        runs: [],
        entries: [],
        noise: () => 0,
      };
      groups.set(key, group);
    }
    if (!group.clientModes.includes(run.clientMode)) group.clientModes.push(run.clientMode);
    group.runs.push(run);
  }
  for (const group of groups.values()) {
    group.entries = entriesOf(group.runs);
    group.noise = noiseOf(group.entries);
  }
  return [...groups.values()];
}

/** pooledNoise of each metric over these entries, computed once per metric. */
export function noiseOf(entries: readonly Entry[]): (metric: Metric) => number {
  const cache = new Map<string, number>();
  return (metric) => {
    let value = cache.get(metric.name);
    if (value === undefined) cache.set(metric.name, (value = pooledNoise(entries.map((e) => figureOf(e, metric)))));
    return value;
  };
}

/** The entries of a set of runs: one per runKey, first seen first. */
export function entriesOf(runs: readonly RunResult[]): Entry[] {
  const byKey = new Map<string, RunResult[]>();
  for (const run of runs) byKey.set(runKey(run), [...(byKey.get(runKey(run)) ?? []), run]);
  return [...byKey].map(([key, list]) => makeEntry(key, list));
}

function makeEntry(key: string, runs: RunResult[]): Entry {
  const counted = runs.filter((run) => run.status !== 'failed' && invalidReasons(run).length === 0);
  const status: RunResult['status'] = runs.every((r) => r.status === 'failed')
    ? 'failed'
    : runs.every((r) => r.status === 'ok')
      ? 'ok'
      : 'partial';
  const invalid = invalidSummary(runs);
  return {
    key,
    label: runLabel(runs[0]!),
    contender: runs[0]!.contender,
    clientMode: runs[0]!.clientMode,
    runs,
    counted,
    representative: medianRun(counted.length ? counted : runs),
    status,
    invalid,
  };
}

/**
 * Why runs are invalid, one line per cause: "load generator at 93–94 % of a core (2 of 3 runs)".
 * The percentages of one cause (validity.ts reasons share their wording) are merged into a range.
 */
function invalidSummary(runs: RunResult[]): string[] {
  const byCause = new Map<string, { percents: number[]; runs: Set<RunResult> }>();
  for (const run of runs)
    for (const reason of invalidReasons(run)) {
      const percent = Number(/(\d+) %/.exec(reason)?.[1] ?? NaN);
      const cause = reason.replace(/\d+ %/, '%');
      const entry = byCause.get(cause) ?? { percents: [], runs: new Set() };
      entry.percents.push(percent);
      entry.runs.add(run);
      byCause.set(cause, entry);
    }
  return [...byCause].map(([cause, { percents, runs: hit }]) => {
    const [low, high] = [Math.min(...percents), Math.max(...percents)];
    const text = cause.replace('%', low === high ? `${low} %` : `${low}–${high} %`);
    return runs.length > 1 ? `${text} (${hit.size} of ${runs.length} runs)` : text;
  });
}

/** The run with the median lead latency p50 (the first when none has one). */
function medianRun(runs: RunResult[]): RunResult {
  const lead = findMetric('latency.p50')!;
  const withValue = runs.filter((r) => lead.value(r) !== null).sort((a, b) => lead.value(a)! - lead.value(b)!);
  return withValue[Math.floor((withValue.length - 1) / 2)] ?? runs[0]!;
}

/** An entry with figures to show (tables, charts): not every run failed. */
export const hasFigures = (entry: Entry) => entry.status !== 'failed';

/** An entry whose figures are ranked (★, verdict, decisions): every run completed, one at least is valid. */
export const isRanked = (entry: Entry) => entry.status === 'ok' && entry.counted.length > 0;

/**
 * An entry's figure: median and interval over its counted runs; over all its runs with figures when
 * none counts (an invalid entry is still shown). Null when no run has the figure.
 */
export function figureOf(entry: Entry, metric: Metric): Spread | null {
  const runs = entry.counted.length ? entry.counted : entry.runs.filter((r) => r.status !== 'failed');
  return spreadOf(runs.map((r) => metric.value(r)).filter((v): v is number => v !== null));
}

/**
 * What is compared as one transport: the implementation and the transport its clients ended on —
 * `websocket` and `auto → websocket` are both our WebSocket. The auto client's upgrade strategy
 * starts elsewhere (on long-polling), so it stays apart.
 */
export function transportIdentity(entry: Entry): string {
  const run = entry.representative;
  const info = CONTENDER_INFO[run.contender];
  const pinned = pinnedTransport(run.contender);
  if (pinned) return `${info.family}:${pinned}`;
  const ended = Object.entries(run.finalTransports)
    .filter(([, n]) => n > 0)
    .map(([name]) => name)
    .sort();
  const strategy = run.params.strategy === 'upgrade' ? ':upgrade' : '';
  return ended.length === 1
    ? `${info.family}:${ended[0]}${strategy}`
    : `${run.contender}${strategy}:${ended.join('+')}`;
}

/** Why an entry did not come through cleanly, or null when it did. */
export function troubleOf(entry: Entry): string | null {
  if (entry.status !== 'ok') return entry.status;
  const sum = (key: 'lost' | 'duplicated' | 'outOfOrder') =>
    entry.runs.reduce((n, r) => n + r.delivery.serverToClient[key] + r.delivery.clientToServer[key], 0);
  const counts: Array<[number, string]> = [
    [sum('lost'), 'lost'],
    [sum('duplicated'), 'duplicated'],
    [sum('outOfOrder'), 'reordered'],
  ];
  const issues = counts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  if (issues.length === 0) return null;
  return entry.runs.length > 1 ? `${issues.join(', ')} in ${entry.runs.length} runs` : issues.join(', ');
}

/**
 * The transports a run's clients ended on, when that says more than the contender's name: not the
 * one transport a pinned contender runs on (contenders.ts); auto and socketio (default) may end anywhere.
 */
export function endedOn(run: RunResult): string[] {
  const native = pinnedTransport(run.contender) ?? run.contender;
  return Object.keys(run.finalTransports).filter(
    (name) => name !== native && name !== run.contender && run.finalTransports[name]! > 0,
  );
}

/** "auto (upgrade) → sse": the entry's name, and where its clients ended when that says more. */
export function withFinalTransport(entry: Entry | RunResult): string {
  const run = 'representative' in entry ? entry.representative : entry;
  const label = 'representative' in entry ? entry.label : runLabel(entry);
  const ended = endedOn(run);
  return ended.length ? `${label} → ${ended.join(' + ')}` : label;
}
