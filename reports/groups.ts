/**
 * Runs that are compared with each other: same scenario, network, middlebox and workload (payload
 * size, compression: see workloadOf), different contenders — Node-client and browser-client runs side
 * by side ("websocket", "websocket (browser)"). Also the best values (★) and the derived verdict —
 * computed from the data, never written by hand.
 *
 * Ranking contract (★ and the verdict's "lowest …"): only runs with status 'ok' are ranked; a run is
 * ranked only against runs of the same client mode and, for the lead latency (latency.<stat>), the
 * same primary histogram (Metric.basis); a cohort of fewer than two such runs, or one where all tie,
 * has no best.
 */
import { pinnedTransport } from '../scenarios/contenders.js';
import type { RunResult } from '../scenarios/results.js';
import { formatValue } from './format.js';
import { basisLabel, findMetric, isBetter, type Metric } from './metrics.js';

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
  runs: RunResult[];
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

/** The identity of a run across results files (for baselines) and within a group. */
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
      };
      groups.set(key, group);
    }
    if (!group.clientModes.includes(run.clientMode)) group.clientModes.push(run.clientMode);
    group.runs.push(run);
  }
  return [...groups.values()];
}

/** The legend of the best-value mark, as every renderer states it. */
export const BEST_RULE = 'best among completed (ok) runs of the same client mode';

/** A run with figures to show (tables, charts): it did not fail outright. Partial runs are shown. */
export const hasFigures = (run: RunResult) => run.status !== 'failed';

/** A run whose figures are ranked (★, verdict): it completed. Partial and failed runs are not. */
export const isRanked = (run: RunResult) => run.status === 'ok';

type ClientMode = RunResult['clientMode'];

/** Runs ranked against each other on one metric: same client mode, same basis (Metric.basis). */
interface Cohort {
  clientMode: ClientMode;
  basis: string | null;
  entries: Array<{ run: RunResult; value: number }>;
  /** The best value; null when fewer than two runs have a value, or all of them tie. */
  best: number | null;
}

/** The ranked runs with a value of the metric, by cohort, in first-seen order. */
function cohorts(runs: readonly RunResult[], metric: Metric): Cohort[] {
  const byKey = new Map<string, Cohort>();
  for (const run of runs.filter(isRanked)) {
    const value = metric.value(run);
    if (value === null) continue;
    const basis = metric.basis?.(run) ?? null;
    const key = `${run.clientMode}\u0000${basis ?? ''}`;
    let cohort = byKey.get(key);
    if (!cohort) byKey.set(key, (cohort = { clientMode: run.clientMode, basis, entries: [], best: null }));
    cohort.entries.push({ run, value });
  }
  for (const cohort of byKey.values()) {
    const values = cohort.entries.map((e) => e.value);
    if (values.length < 2 || values.every((v) => v === values[0])) continue;
    cohort.best = values.reduce((best, value) => (isBetter(metric, value, best) ? value : best));
  }
  return [...byKey.values()];
}

/** The runs that hold the best value of the metric in their cohort: these get ★. */
export function bestRuns(runs: readonly RunResult[], metric: Metric): Set<RunResult> {
  return new Set(cohorts(runs, metric).flatMap((c) => c.entries.filter((e) => e.value === c.best).map((e) => e.run)));
}

/** The winners of one cohort; `among` says which cohort when the group has more than one. */
export interface Winner {
  among: string | null; // "Node clients", "browser clients, round trip"; null: the only cohort
  contenders: string[];
  value: number;
}

export interface Verdict {
  /** One entry per cohort (client mode × primary latency histogram) that has a best value. */
  lowestP99: Winner[];
  lowestBytesPerMessage: Winner[];
  /** Runs that failed, were partial, or lost, duplicated or reordered messages: "raw-ws (38 lost)". */
  troubled: string[];
  /** Only when a middlebox was in the path: the runs that came through it cleanly. */
  middlebox: { name: string; works: string[] } | null;
}

const MODE_LABEL: Record<ClientMode, string> = { node: 'Node clients', browser: 'browser clients' };

function winners(group: RunGroup, metricName: string): Winner[] {
  const metric = findMetric(metricName)!;
  const all = cohorts(group.runs, metric);
  // Name the cohort only as far as it is ambiguous: the client mode when ranked runs of both modes
  // have this figure, the histogram when the lead latency differs between runs.
  const modes = new Set(all.map((c) => c.clientMode)).size > 1;
  const bases = new Set(all.map((c) => c.basis)).size > 1;
  return all.flatMap((cohort) => {
    if (cohort.best === null) return [];
    const among = [
      modes ? MODE_LABEL[cohort.clientMode] : null,
      bases && cohort.basis ? basisLabel(cohort.basis) : null,
    ].filter((x): x is string => x !== null);
    const contenders = cohort.entries.filter((e) => e.value === cohort.best).map((e) => runLabel(e.run));
    return [{ among: among.length ? among.join(', ') : null, contenders, value: cohort.best }];
  });
}

/** Why a run did not come through cleanly, or null when it did. */
export function troubleOf(run: RunResult): string | null {
  if (run.status !== 'ok') return run.status;
  const { serverToClient: down, clientToServer: up } = run.delivery;
  const counts: Array<[number, string]> = [
    [down.lost + up.lost, 'lost'],
    [down.duplicated + up.duplicated, 'duplicated'],
    [down.outOfOrder + up.outOfOrder, 'reordered'],
  ];
  const issues = counts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return issues.length ? issues.join(', ') : null;
}

export function verdictOf(group: RunGroup): Verdict {
  return {
    lowestP99: winners(group, 'latency.p99'),
    lowestBytesPerMessage: winners(group, 'bytesPerMessage'),
    troubled: group.runs.flatMap((run) => {
      const trouble = troubleOf(run);
      return trouble ? [`${runLabel(run)} (${trouble})`] : [];
    }),
    middlebox: group.middlebox
      ? { name: group.middlebox, works: group.runs.filter((run) => troubleOf(run) === null).map(withFinalTransport) }
      : null,
  };
}

/** One plain-text sentence; renderers escape it. */
export function verdictText(group: RunGroup): string {
  const parts = verdictParts(group);
  if (parts.length) return `For this workload — ${parts.join('; ')}.`;
  return group.runs.some(isRanked)
    ? 'Nothing to rank in this comparison: fewer than two comparable runs completed, or they tie.'
    : 'No contender completed this comparison.';
}

/** The verdict's clauses: "lowest p99 latency: websocket (8.22 ms)", … */
export function verdictParts(group: RunGroup): string[] {
  const verdict = verdictOf(group);
  const parts: string[] = [];
  const clause = (what: string, { among, contenders, value }: Winner, unit: 'ms' | 'bytes') =>
    `${what}${among ? ` (${among})` : ''}: ${contenders.join(', ')} (${formatValue(value, unit)})`;
  for (const winner of verdict.lowestP99) parts.push(clause('lowest p99 latency', winner, 'ms'));
  for (const winner of verdict.lowestBytesPerMessage) parts.push(clause('lowest bytes/message', winner, 'bytes'));
  if (verdict.middlebox) {
    const { name, works } = verdict.middlebox;
    parts.push(`works behind ${name}: ${works.length ? works.join(', ') : 'none'}`);
  }
  if (verdict.troubled.length) parts.push(`not cleanly: ${verdict.troubled.join(', ')}`);
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

/** "auto (upgrade) → sse": the run's name, and where its clients ended when that says more. */
export function withFinalTransport(run: RunResult): string {
  const ended = endedOn(run);
  return ended.length ? `${runLabel(run)} → ${ended.join(' + ')}` : runLabel(run);
}
