/**
 * Runs that are compared with each other: same scenario, network and middlebox, different
 * contenders — Node-client and browser-client runs side by side ("websocket", "websocket (browser)").
 * Also the derived verdict — computed from the data, never written by hand.
 */
import type { Contender, RunResult } from '../scenarios/results.js';
import { formatValue } from './format.js';
import { findMetric, isBetter, type Metric } from './metrics.js';

export interface RunGroup {
  id: string; // stable, HTML-id-safe
  title: string; // "ticker · lan · block-websocket"
  scenario: string;
  description: string;
  network: RunResult['network'];
  middlebox: string | null;
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
    const key = [run.scenario, run.network.name, run.middlebox ?? '-'].join('\u0000');
    let group = groups.get(key);
    if (!group) {
      group = {
        id: `g${groups.size + 1}`,
        title: [run.scenario, run.network.name, run.middlebox ?? 'no middlebox'].join(' · '),
        scenario: run.scenario,
        description: run.description,
        network: run.network,
        middlebox: run.middlebox,
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

/** A run whose figures can be ranked: it did not fail outright. */
export const isRanked = (run: RunResult) => run.status !== 'failed';

/**
 * The best value of a metric among the group's ranked runs; null if none has it, or if all of them
 * tie (nothing to point out then).
 */
export function bestValue(runs: readonly RunResult[], metric: Metric): number | null {
  const values = runs.filter(isRanked).flatMap((run) => metric.value(run) ?? []);
  if (values.length === 0 || (values.length > 1 && values.every((v) => v === values[0]))) return null;
  return values.reduce((best, value) => (isBetter(metric, value, best) ? value : best));
}

export interface Verdict {
  lowestP99: { contenders: string[]; value: number } | null;
  lowestBytesPerMessage: { contenders: string[]; value: number } | null;
  /** Runs that failed, were partial, or lost, duplicated or reordered messages: "raw-ws (38 lost)". */
  troubled: string[];
  /** Only when a middlebox was in the path: the runs that came through it cleanly. */
  middlebox: { name: string; works: string[] } | null;
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
  const winners = (metricName: string) => {
    const metric = findMetric(metricName)!;
    const value = bestValue(group.runs, metric);
    if (value === null) return null;
    const contenders = group.runs.filter((run) => isRanked(run) && metric.value(run) === value).map(runLabel);
    return { contenders, value };
  };
  return {
    lowestP99: winners('latency.p99'),
    lowestBytesPerMessage: winners('bytesPerMessage'),
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
  return parts.length ? `For this workload — ${parts.join('; ')}.` : 'No contender delivered messages in this comparison.';
}

/** The verdict's clauses: "lowest p99 latency: websocket (8.22 ms)", … */
export function verdictParts(group: RunGroup): string[] {
  const verdict = verdictOf(group);
  const parts: string[] = [];
  if (verdict.lowestP99) {
    parts.push(`lowest p99 latency: ${verdict.lowestP99.contenders.join(', ')} (${formatValue(verdict.lowestP99.value, 'ms')})`);
  }
  if (verdict.lowestBytesPerMessage) {
    const { contenders, value } = verdict.lowestBytesPerMessage;
    parts.push(`lowest bytes/message: ${contenders.join(', ')} (${formatValue(value, 'bytes')})`);
  }
  if (verdict.middlebox) {
    const { name, works } = verdict.middlebox;
    parts.push(`works behind ${name}: ${works.length ? works.join(', ') : 'none'}`);
  }
  if (verdict.troubled.length) parts.push(`not cleanly: ${verdict.troubled.join(', ')}`);
  return parts;
}

/** The transport a single-transport contender runs on; auto and socketio (default) may end anywhere. */
const NATIVE: Partial<Record<Contender, string>> = {
  websocket: 'websocket',
  sse: 'sse',
  'long-polling': 'long-polling',
  'raw-ws': 'websocket',
  'socketio-websocket': 'websocket',
  'socketio-polling': 'polling',
};

/** The transports a run's clients ended on, when that says more than the contender's name. */
export function endedOn(run: RunResult): string[] {
  const native = NATIVE[run.contender] ?? run.contender;
  return Object.keys(run.finalTransports).filter((name) => name !== native && name !== run.contender && run.finalTransports[name]! > 0);
}

/** "auto (upgrade) → sse": the run's name, and where its clients ended when that says more. */
export function withFinalTransport(run: RunResult): string {
  const ended = endedOn(run);
  return ended.length ? `${runLabel(run)} → ${ended.join(' + ')}` : runLabel(run);
}
