/**
 * The throughput climb: raise the rate step by step (rate × factor) on the running connections and
 * stop at the first step that is not sustainable. The answer is the delivered rate of the last
 * sustainable step: the highest msg/s this contender carries on this machine within the bound.
 *
 * A one-second warm-up at the start rate comes first and is not judged. Each step is judged over its
 * last three quarters (the first still carries messages in flight at the previous rate), from the
 * pattern's headline latency — round trip for echo, server→client for push/broadcast/fanout,
 * client→server for upstream: the merged histogram at the step's end minus the one at the end of its
 * first quarter holds exactly the messages that arrived in between. A step is not sustainable when
 *  - its p99 passes the bound: latency runs from each message's due time on the schedule (pacer.ts),
 *    so a backlog — a sender behind its schedule, messages queued in a transport — raises the p99 of
 *    what arrives instead of hiding in what has not arrived yet; or
 *  - messages stop arriving in time: more are outstanding (sent, not arrived) at its end than the
 *    bound lets be in flight at its send rate (Little's law: rate × bound). Sent and arrived are
 *    counted by the processes themselves, read together in one snapshot, so a busy machine's slow
 *    replies to the runner do not skew them.
 */
import { mergeEncoded, type Histogram, type HistogramSnapshot, type LatencyMetric } from '../load/histograms.js';
import { now } from '../load/payload.js';
import type { RunPlan, RunProgress } from '../plan.js';
import { callAll, type ClientWorker, type ServerProcess } from './processes.js';
import { sleep } from './sleep.js';

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

const WARMUP_MS = 1000;
/** The share of each step, at its start, that is not judged (messages in flight at the old rate). */
const SETTLE_SHARE = 0.25;

/**
 * Who sends the messages the headline metric times: each client (one round trip or one arrival at
 * the server per message), or the server (its count is per recipient, relays of fanout included).
 */
const SENDER: Record<RunPlan['traffic']['pattern'], 'clients' | 'server'> = {
  echo: 'clients',
  upstream: 'clients',
  push: 'server',
  broadcast: 'server',
  fanout: 'server',
};

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
  signal: AbortSignal | undefined,
  progress: (p: RunProgress) => void,
): Promise<ThroughputOutcome> {
  const metric = HEADLINE[plan.traffic.pattern];
  const steps: ThroughputStep[] = [];
  let rate = t.startRate;
  const climbStart = now();
  const snapshot = async () => {
    const [fromServer, ...fromWorkers] = await Promise.all(
      [server, ...workers].map((p) => p.caller.call<HistogramSnapshot>('histogram', metric)),
    );
    const senders = SENDER[plan.traffic.pattern] === 'server' ? [fromServer!] : fromWorkers;
    const encoded = [fromServer!, ...fromWorkers].map((s) => s.encoded);
    return {
      encoded,
      sent: senders.reduce((n, s) => n + s.sent, 0),
      arrived: mergeEncoded(encoded)?.totalCount ?? 0, // since the traffic started
    };
  };
  const settleMs = t.stepMs * SETTLE_SHARE;
  // Warm-up at the start rate, not judged: first requests pay for JIT, connection pools and caches.
  await sleep(WARMUP_MS, signal);
  for (let k = 0; k < t.maxSteps && !signal?.aborted; k++, rate *= t.factor) {
    if (k > 0) await Promise.all([server.caller.call('setRate', rate), callAll(workers, 'setRate', rate)]);
    await sleep(settleMs, signal);
    const before = await snapshot();
    const from = now(); // as the after-snapshot's end: both windows end a reply's latency after their snapshot
    await sleep(t.stepMs - settleMs, signal);
    const after = await snapshot();
    const seconds = (now() - from) / 1000;
    progress({ phase: 'traffic', elapsedMs: now() - climbStart, totalMs: WARMUP_MS + t.maxSteps * t.stepMs });

    const merged: Histogram | null = mergeEncoded(after.encoded);
    const base = mergeEncoded(before.encoded);
    if (merged && base) merged.subtract(base);
    const count = merged?.totalCount ?? 0;
    const delivered = count / seconds;
    const p99 = count > 0 ? merged!.getValueAtPercentile(99) / 1000 : null;
    const offered = offeredRate(plan, rate);
    const sendRate = (after.sent - before.sent) / seconds;
    const inFlightAllowed = sendRate * (t.p99BoundMs / 1000) + 1;
    const sustainable = p99 !== null && p99 <= t.p99BoundMs && after.sent - after.arrived <= inFlightAllowed;
    steps.push({
      rate,
      offeredMsgPerSec: round(offered),
      deliveredMsgPerSec: round(delivered),
      p50Ms: count > 0 ? merged!.getValueAtPercentile(50) / 1000 : null,
      p99Ms: p99,
      sustainable,
    });
    if (!sustainable) break;
  }
  const ok = steps.filter((s) => s.sustainable);
  return {
    p99BoundMs: t.p99BoundMs,
    steps,
    maxSustainableMsgPerSec: ok.length ? ok[ok.length - 1].deliveredMsgPerSec : 0,
  };
}

const round = (x: number) => Math.round(x * 10) / 10;
