/**
 * Runs that are compared with each other: same scenario, network, middlebox and client mode,
 * different contenders. Also the derived verdict — computed from the data, never written by hand.
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
  clientMode: RunResult['clientMode'];
  runs: RunResult[];
}

/** The identity of a run across results files (for baselines) and within a group. */
export function runKey(run: RunResult): string {
  return [run.scenario, run.network.name, run.middlebox ?? '-', run.clientMode, run.contender].join(' | ');
}

/** Groups in first-seen order; runs keep their order within a group. */
export function groupRuns(runs: readonly RunResult[]): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  for (const run of runs) {
    const key = [run.scenario, run.network.name, run.middlebox ?? '-', run.clientMode].join('\u0000');
    let group = groups.get(key);
    if (!group) {
      const title = [run.scenario, run.network.name, run.middlebox ?? 'no middlebox'].join(' · ');
      group = {
        id: `g${groups.size + 1}`,
        title: run.clientMode === 'browser' ? `${title} · browser` : title,
        scenario: run.scenario,
        description: run.description,
        network: run.network,
        middlebox: run.middlebox,
        clientMode: run.clientMode,
        runs: [],
      };
      groups.set(key, group);
    }
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
  lowestP99: { contenders: Contender[]; value: number } | null;
  lowestBytesPerMessage: { contenders: Contender[]; value: number } | null;
  /** Only when a middlebox was in the path. */
  middlebox: { name: string; works: Contender[]; fails: Contender[] } | null;
}

export function verdictOf(group: RunGroup): Verdict {
  const winners = (metricName: string) => {
    const metric = findMetric(metricName)!;
    const value = bestValue(group.runs, metric);
    if (value === null) return null;
    const contenders = group.runs.filter((run) => isRanked(run) && metric.value(run) === value).map((r) => r.contender);
    return { contenders, value };
  };
  return {
    lowestP99: winners('latency.p99'),
    lowestBytesPerMessage: winners('bytesPerMessage'),
    middlebox: group.middlebox
      ? {
          name: group.middlebox,
          works: group.runs.filter((run) => run.status === 'ok').map((r) => r.contender),
          fails: group.runs.filter((run) => run.status !== 'ok').map((r) => r.contender),
        }
      : null,
  };
}

/** One plain-text sentence; renderers escape it. */
export function verdictText(group: RunGroup): string {
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
    const { name, works, fails } = verdict.middlebox;
    const worksText = works.length ? works.map((c) => withFinalTransport(group, c)).join(', ') : 'none';
    parts.push(`works behind ${name}: ${worksText}${fails.length ? `; fails or partial: ${fails.join(', ')}` : ''}`);
  }
  if (parts.length === 0) return 'No contender delivered messages in this comparison.';
  return `For this workload — ${parts.join('; ')}.`;
}

/** The transports a run's clients ended on, when other than the contender itself (auto, socketio). */
export function endedOn(run: RunResult): string[] {
  return Object.keys(run.finalTransports).filter((name) => name !== run.contender && run.finalTransports[name]! > 0);
}

/** "auto (ended on sse)" when a client finished on another transport than its name says. */
function withFinalTransport(group: RunGroup, contender: Contender): string {
  const ended = endedOn(group.runs.find((r) => r.contender === contender)!);
  return ended.length ? `${contender} (ended on ${ended.join(' + ')})` : contender;
}
