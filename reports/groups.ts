/**
 * Runs that are compared with each other: same scenario, network, middlebox and workload (payload
 * size, compression: see workloadOf), different contenders — Node-client and browser-client runs side
 * by side ("websocket", "websocket (browser)"). Within a group, the repeated runs of one contender
 * (`run --repeat N`) form one Entry, whose figures are the median of its runs with an interval
 * (noise.ts). Also the best values (★) and the derived verdict — computed from the data, never
 * written by hand.
 *
 * Ranking contract (★ and the verdict):
 * - An entry is ranked when every one of its runs completed (status 'ok') and at least one is valid
 *   (validity.ts); its figures come from its valid runs only.
 * - Entries are ranked only against entries of the same client mode and, for the lead latency
 *   (latency.<stat>), the same primary histogram (Metric.basis); a latency percentile resting on
 *   too few samples (Metric.minSamples) is shown, not ranked.
 * - Entries on the same transport of the same implementation — `websocket` and `auto → websocket`
 *   (fallback) — are the same transport: never ranked against each other, and starred together.
 * - ★: measurably better (noise.ts compareSpreads) than at least one other entry, and measurably
 *   worse than none. Otherwise "no measurable difference".
 */
import { CONTENDER_INFO, pinnedTransport } from '../scenarios/contenders.js';
import type { RunResult } from '../scenarios/results.js';
import { formatSpread } from './format.js';
import { basisLabel, findMetric, isJudgeable, type Metric } from './metrics.js';
import { compareSpreads, pooledNoise, spreadOf, type Spread } from './noise.js';
import { invalidReasons } from './validity.js';

export interface RunGroup {
  id: string; // stable, HTML-id-safe
  title: string; // "ticker · lan · block-websocket"
  scenario: string;
  description: string;
  network: RunResult['network'];
  middlebox: string | null;
  /** The workload variant all runs share ("64 KB, deflate on"), or null when the scenario has none. */
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

/** The legend of the best-value mark, as every renderer states it. */
export const BEST_RULE =
  'measurably better than at least one other contender and measurably worse than none, beyond the noise of the runs (runs of the same client mode; the same transport, e.g. websocket and auto → websocket, is not ranked against itself)';

type ClientMode = RunResult['clientMode'];

/** Entries ranked against each other on one metric: same client mode, same basis (Metric.basis). */
interface Cohort {
  clientMode: ClientMode;
  basis: string | null;
  entries: Array<{ entry: Entry; spread: Spread; identity: string }>;
  /** The ★ entries (see the file comment); empty: no measurable difference. */
  best: Entry[];
}

function cohorts(group: RunGroup, metric: Metric): Cohort[] {
  const byKey = new Map<string, Cohort>();
  const pooled = group.noise(metric);
  for (const entry of group.entries.filter(isRanked)) {
    if (!entry.counted.every((run) => isJudgeable(metric, run))) continue;
    const spread = figureOf(entry, metric);
    if (!spread) continue;
    const basis = metric.basis?.(entry.representative) ?? null;
    const key = `${entry.clientMode}\u0000${basis ?? ''}`;
    let cohort = byKey.get(key);
    if (!cohort) byKey.set(key, (cohort = { clientMode: entry.clientMode, basis, entries: [], best: [] }));
    cohort.entries.push({ entry, spread, identity: transportIdentity(entry) });
  }
  for (const cohort of byKey.values()) {
    cohort.best = cohort.entries
      .filter((a) => {
        const others = cohort.entries.filter((b) => b.identity !== a.identity);
        const outcomes = others.map((b) => compareSpreads(metric, a.spread, b.spread, pooled));
        return outcomes.includes(-1) && !outcomes.includes(1);
      })
      .map((e) => e.entry);
  }
  return [...byKey.values()];
}

/** The entries of the group that get ★ for this metric. */
export function bestEntries(group: RunGroup, metric: Metric): Set<Entry> {
  return new Set(cohorts(group, metric).flatMap((c) => c.best));
}

/** The winners of one cohort; `among` says which cohort when the group has more than one. */
export interface Winner {
  among: string | null; // "Node clients", "browser clients, round trip"; null: the only cohort
  contenders: string[];
  /** Each winner's figure, in the order of `contenders`. */
  values: Spread[];
}

/** The figures a verdict speaks of, and how it names them. */
export const VERDICT_METRICS: ReadonlyArray<{ metric: string; label: string }> = [
  { metric: 'latency.p50', label: 'lowest p50 latency' },
  { metric: 'latency.p99', label: 'lowest p99 latency' },
  { metric: 'latency.firstMessage.p50', label: 'fastest first message' },
  { metric: 'bytesPerMessage', label: 'fewest bytes/message' },
];

export interface Verdict {
  /** Per verdict metric: the winners by cohort; empty winners with `compared` = no measurable difference. */
  figures: Array<{ label: string; metric: Metric; winners: Winner[]; compared: boolean }>;
  /** Entries that failed, were partial, lost, duplicated or reordered messages: "raw-ws (38 lost)". */
  troubled: string[];
  /** Entries with invalid runs: "sse (load generator at 97 % of a core)". */
  invalid: string[];
  /** Only when a middlebox was in the path: the entries that came through it cleanly. */
  middlebox: { name: string; works: string[] } | null;
}

const MODE_LABEL: Record<ClientMode, string> = { node: 'Node clients', browser: 'browser clients' };

function winners(group: RunGroup, metric: Metric): { winners: Winner[]; compared: boolean } {
  const all = cohorts(group, metric);
  // Name the cohort only as far as it is ambiguous: the client mode when ranked entries of both modes
  // have this figure, the histogram when the lead latency differs between entries.
  const modes = new Set(all.map((c) => c.clientMode)).size > 1;
  const bases = new Set(all.map((c) => c.basis)).size > 1;
  const compared = all.some((c) => new Set(c.entries.map((e) => e.identity)).size > 1);
  const list = all.flatMap((cohort) => {
    if (cohort.best.length === 0) return [];
    const among = [
      modes ? MODE_LABEL[cohort.clientMode] : null,
      bases && cohort.basis ? basisLabel(cohort.basis) : null,
    ].filter((x): x is string => x !== null);
    const best = cohort.entries.filter((e) => cohort.best.includes(e.entry));
    return [
      {
        among: among.length ? among.join(', ') : null,
        contenders: best.map((e) => withFinalTransport(e.entry)),
        values: best.map((e) => e.spread),
      },
    ];
  });
  return { winners: list, compared };
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

export function verdictOf(group: RunGroup): Verdict {
  return {
    figures: VERDICT_METRICS.map(({ metric: name, label }) => {
      const metric = findMetric(name)!;
      return { label, metric, ...winners(group, metric) };
    }),
    troubled: group.entries.flatMap((entry) => {
      const trouble = troubleOf(entry);
      return trouble ? [`${entry.label} (${trouble})`] : [];
    }),
    invalid: group.entries.flatMap((entry) =>
      entry.invalid.length ? [`${entry.label} (${entry.invalid.join('; ')})`] : [],
    ),
    middlebox: group.middlebox
      ? {
          name: group.middlebox,
          works: group.entries.filter((entry) => troubleOf(entry) === null).map(withFinalTransport),
        }
      : null,
  };
}

/** One plain-text sentence; renderers escape it. */
export function verdictText(group: RunGroup): string {
  const parts = verdictParts(group);
  if (parts.length) return `For this workload — ${parts.join('; ')}.`;
  return group.entries.some(isRanked)
    ? 'Nothing to rank in this comparison: fewer than two comparable contenders completed.'
    : 'No contender completed this comparison.';
}

/** The verdict's clauses: "lowest p99 latency: websocket (8.2 ms [7.9–8.6]), auto → websocket (8.4 ms)", … */
export function verdictParts(group: RunGroup): string[] {
  const verdict = verdictOf(group);
  const parts: string[] = [];
  const quiet: string[] = [];
  for (const { label, metric, winners: list, compared } of verdict.figures) {
    for (const { among, contenders, values } of list) {
      const named = contenders.map((name, i) => `${name} (${formatSpread(values[i]!, metric.unit)})`);
      parts.push(`${label}${among ? ` (${among})` : ''}: ${named.join(', ')}`);
    }
    if (list.length === 0 && compared) quiet.push(label.replace(/^(lowest|fastest|fewest) /, ''));
  }
  if (quiet.length) parts.push(`no measurable difference in ${quiet.join(', ')}`);
  if (verdict.middlebox) {
    const { name, works } = verdict.middlebox;
    parts.push(`works behind ${name}: ${works.length ? works.join(', ') : 'none'}`);
  }
  if (verdict.troubled.length) parts.push(`not cleanly: ${verdict.troubled.join(', ')}`);
  if (verdict.invalid.length) parts.push(`not ranked, invalid: ${verdict.invalid.join(', ')}`);
  return parts;
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
