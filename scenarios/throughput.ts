/**
 * The throughput climb: raise the rate step by step (rate × factor) on the running connections and
 * stop at the first step that is not sustainable — its p99 passes the bound, or fewer than 90 % of
 * the offered messages arrive within the step. The answer is the delivered rate of the last
 * sustainable step: the highest msg/s this contender carries on this machine within the bound.
 *
 * Each step is judged from the per-second histograms of the pattern's headline latency (round trip
 * for echo, server→client for push/broadcast/fanout, client→server for upstream), using the seconds
 * whose midpoint falls inside the step.
 */
import { mergeSeries, type EncodedSeries, type LatencyMetric } from './histograms.js';
import { now } from './payload.js';
import type { RunPlan } from './plan.js';
import { callAll, type ClientWorker, type ServerProcess } from './processes.js';
import { sleep, type RunProgress } from './runner.js';

type Series = Partial<Record<LatencyMetric, EncodedSeries>>;

export interface ThroughputStep {
  /** Rate setting of the step (the pattern's units: per client, or the server's stream). */
  rate: number;
  offeredMsgPerSec: number;
  deliveredMsgPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  sustainable: boolean;
}

export interface ThroughputOutcome {
  p99BoundMs: number;
  steps: ThroughputStep[];
  maxSustainableMsgPerSec: number;
}

const HEADLINE: Record<RunPlan['traffic']['pattern'], LatencyMetric> = {
  echo: 'roundTrip',
  push: 'serverToClient',
  broadcast: 'serverToClient',
  fanout: 'serverToClient',
  upstream: 'clientToServer',
};

/** Messages per second the pattern should deliver at `rate` (what the headline metric counts). */
export function offeredRate(plan: RunPlan, rate: number): number {
  const { pattern, rooms } = plan.traffic;
  if (pattern === 'fanout') return rate * plan.clients * (plan.clients / rooms);
  return rate * plan.clients;
}

export async function climb(
  plan: RunPlan,
  t: NonNullable<RunPlan['throughput']>,
  server: ServerProcess,
  workers: ClientWorker[],
  runStart: number,
  signal: AbortSignal | undefined,
  progress: (p: RunProgress) => void,
): Promise<ThroughputOutcome> {
  const metric = HEADLINE[plan.traffic.pattern];
  const steps: ThroughputStep[] = [];
  let rate = t.startRate;
  const climbStart = now();
  for (let k = 0; k < t.maxSteps && !signal?.aborted; k++, rate *= t.factor) {
    if (k > 0) await Promise.all([server.caller.call('setRate', rate), callAll(workers, 'setRate', rate)]);
    const from = now();
    await sleep(t.stepMs, signal);
    const to = now();
    progress({ phase: 'traffic', elapsedMs: to - climbStart, totalMs: t.maxSteps * t.stepMs });

    const sources = [server.caller.call<Series>('perSecond'), ...workers.map((w) => w.caller.call<Series>('perSecond'))];
    const bySecond = mergeSeries((await Promise.all(sources)).map((s) => s[metric]));
    const inStep = [...bySecond].filter(([sec]) => {
      const mid = runStart + sec * 1000 + 500;
      return mid >= from && mid < to;
    });
    const merged = inStep.length ? inStep.map(([, h]) => h).reduce((a, h) => (a.add(h), a)) : null;
    const delivered = merged ? merged.totalCount / inStep.length : 0;
    const p99 = merged ? merged.getValueAtPercentile(99) / 1000 : null;
    const offered = offeredRate(plan, rate);
    const sustainable = p99 !== null && p99 <= t.p99BoundMs && delivered >= 0.9 * offered;
    steps.push({
      rate,
      offeredMsgPerSec: round(offered),
      deliveredMsgPerSec: round(delivered),
      p50Ms: merged ? merged.getValueAtPercentile(50) / 1000 : null,
      p99Ms: p99,
      sustainable,
    });
    if (!sustainable) break;
  }
  const ok = steps.filter((s) => s.sustainable);
  return { p99BoundMs: t.p99BoundMs, steps, maxSustainableMsgPerSec: ok.length ? ok[ok.length - 1].deliveredMsgPerSec : 0 };
}

const round = (x: number) => Math.round(x * 10) / 10;
