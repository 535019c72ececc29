/**
 * What each transport must cost on a plain delay line (network `rtt:<ms>`: no jitter, no cap),
 * counted in round trips from how the protocols work. The emulation is right when the measurements
 * land on these (scenarios/engine/predictions.test.ts checks them within 5 %; the claims report
 * prints them beside the measurements).
 *
 * Why each figure is what it is, with R the round-trip time:
 * - Every new TCP connection costs one R before its first byte leaves (SYN, SYN-ACK); a request then
 *   takes R/2 there and its answer R/2 back.
 * - WebSocket: handshake R + upgrade R = 2R until `open` (plain ws). Our client also waits for a
 *   ping/pong round trip before it trusts the connection (it catches proxies that accept the upgrade
 *   and then stall): 3R.
 * - SSE: handshake R + the stream's GET, answered with the head and our hello: 2R. Long-polling: the
 *   same with its first poll: 2R.
 * - A message then takes R/2 one way — except when messages come faster than the poll cycle: a
 *   long-poll answer leaves, and messages that arrive before the next poll is back (R later) wait for
 *   it, evenly spread over [0, R]: R/2 on average, then R/2 on the way. The same holds upstream for
 *   SSE and long-polling, whose clients keep one POST in flight: the next batch waits for its answer.
 *
 * What is checked: for a figure that is a fixed number of round trips, the fastest sample. The
 * machine's own time (timers, parsing, waiting for a core) only ever adds to a sample: on a loaded
 * machine the median of a 400 ms one-way trip moved by up to 16 %, the fastest sample stays within
 * a few ms of the network's time. For the wait behind a poll cycle, its spread: p75 − p25 is half the
 * cycle for a wait spread evenly over one cycle. A cycle is one RTT plus the machine's own time at
 * both ends (a client's turnaround, the server's), which grows with the machine's load — 5–25 % of
 * an 800 ms RTT with a load average of 15 on 2 cores, and uneven: a few long cycles widen the
 * spread (13.7 % over half the median cycle in one loaded run). So the spread is checked against the
 * spread of waits falling evenly over the cycles the run measured (every client's times between
 * consecutive requests: cycleStats, params.requestWaitSpreadMs — half the cycle when all are equal),
 * and the median cycle (params.requestCycleMs) against the RTT: never shorter. The wait's median is not used: the
 * server's busy moments (it answers every client's poll at once, and a message due meanwhile misses
 * that answer and waits a whole cycle) move it by several percent, but move p25 and p75 alike.
 */
import type { Contender } from './contenders.js';
import type { ScenarioInput } from './define.js';
import type { HistogramSummary, RunResult } from './results.js';

/**
 * The workloads the predictions are measured on, each on its own plain delay line. The RTTs are
 * long because every hop also costs the machine's own time (timers, parsing, a few ms; more on a
 * loaded machine), which the round-trip counts leave out, and a poll cycle pays it on every poll:
 * on this 2-core box with other tests running, long-polling's medians came out up to 5.3 % high at
 * 200 ms, up to 6 % at 500 ms with a load average of 6, and stay near 2 % at 800 ms.
 */
export const PREDICTION_WORKLOADS = {
  /**
   * The server pushes 50 messages a second to each client: many per RTT, 20 ms apart, so where the
   * sends fall within a poll cycle moves a client's median by at most 10 ms.
   */
  push: {
    rttMs: 800,
    traffic: { pattern: 'push', rate: 50 },
    contenders: ['raw-ws', 'websocket', 'sse', 'long-polling'],
  },
  /** Each client sends 50 a second, many per RTT. */
  'upstream-fast': {
    rttMs: 800,
    traffic: { pattern: 'upstream', rate: 50 },
    contenders: ['websocket', 'sse', 'long-polling'],
  },
  /** Each client sends 1.5 a second: each message finds the previous POST answered (R + the machine's time < 667 ms). */
  'upstream-slow': { rttMs: 400, traffic: { pattern: 'upstream', rate: 1.5 }, contenders: ['sse', 'long-polling'] },
} as const satisfies Record<
  string,
  { rttMs: number; traffic: ScenarioInput['traffic']; contenders: readonly Contender[] }
>;

export type PredictionWorkload = keyof typeof PREDICTION_WORKLOADS;

type Figure = 'connect' | 'firstMessage' | 'serverToClient' | 'clientToServer';
/** The fastest sample, or the spread of the middle half (p75 − p25). */
export type PredictionStat = 'min' | 'spread';

export interface Prediction {
  workload: PredictionWorkload;
  contender: Contender;
  /** A latency histogram, and which statistic of it. */
  figure: Figure;
  stat: PredictionStat;
  /** Predicted, in round trips. */
  rtts: number;
  why: string;
}

const p = (
  workload: PredictionWorkload,
  contender: Contender,
  figure: Figure,
  rtts: number,
  why: string,
  stat: PredictionStat = 'min',
): Prediction => ({ workload, contender, figure, stat, rtts, why });

const WAIT = 'messages outpace the poll: each waits for the next poll, evenly over one RTT (R/2 on average)';
const WAIT_POST = 'one POST in flight: each message waits for its answer, evenly over one RTT (R/2 on average)';

export const PREDICTIONS: readonly Prediction[] = [
  p('push', 'raw-ws', 'connect', 2, 'TCP handshake + upgrade'),
  p('push', 'websocket', 'connect', 3, 'TCP handshake + upgrade + the verifying ping/pong'),
  p('push', 'sse', 'connect', 2, 'TCP handshake + the stream request (its answer carries the hello)'),
  p('push', 'long-polling', 'connect', 2, 'TCP handshake + the first poll'),
  p('push', 'raw-ws', 'firstMessage', 2, 'sent as the server accepts: arrives with the 101'),
  p('push', 'websocket', 'firstMessage', 3, 'delivered once the connection is verified'),
  p('push', 'sse', 'firstMessage', 2, 'sent as the session opens: arrives with the hello'),
  p('push', 'long-polling', 'firstMessage', 2, 'sent as the session opens: arrives with the hello'),
  p('push', 'websocket', 'serverToClient', 0.5, 'one way on an open connection'),
  p('push', 'sse', 'serverToClient', 0.5, 'one way on an open stream'),
  p('push', 'long-polling', 'serverToClient', 0.5, WAIT, 'spread'),
  p('upstream-fast', 'websocket', 'clientToServer', 0.5, 'one way on an open connection'),
  p('upstream-fast', 'sse', 'clientToServer', 0.5, WAIT_POST, 'spread'),
  p('upstream-fast', 'long-polling', 'clientToServer', 0.5, WAIT_POST, 'spread'),
  p('upstream-slow', 'sse', 'clientToServer', 0.5, 'a POST on the kept-alive connection'),
  p('upstream-slow', 'long-polling', 'clientToServer', 0.5, 'a POST on the kept-alive connection'),
];

/**
 * Warm-up of a prediction run, in RTTs: longer than a scenario's, because Node's fetch() opens a
 * second kept-alive connection for the POST that follows the first one (the first is not back in
 * its pool yet): that POST pays a TCP handshake once, and the messages behind it wait two RTTs.
 * After that the connections are reused; the predictions are about that steady state.
 */
export const PREDICTION_WARM_UP_RTTS = 3;

/**
 * The scenario of a prediction workload on its delay line: 6 clients connecting over 1.5 s (a stall
 * of the machine delays a few connects, not the median), 3 s of traffic after the warm-up (give the
 * plan PREDICTION_WARM_UP_RTTS × rttMs of it).
 */
export function predictionScenario(workload: PredictionWorkload): ScenarioInput {
  const w = PREDICTION_WORKLOADS[workload];
  const { rttMs } = w;
  return {
    name: `predict-${workload}`,
    description: `Prediction check on a plain ${rttMs} ms delay line: ${workload} (see scenarios/predictions.ts).`,
    clients: { count: 3, rampMs: 1000 },
    duration: '3s',
    payload: { bytes: 100, kind: 'text' },
    traffic: w.traffic,
    network: `rtt:${rttMs}`,
    contenders: [...w.contenders],
  };
}

/**
 * A run's request cycles (meter.requestCycles) as params: `requestCycleMs`, their median, and
 * `requestWaitSpreadMs`, the spread (p75 − p25) of waits that fall evenly over those cycles — a
 * message sent at a uniformly random moment lands in a cycle with probability proportional to its
 * length and waits uniformly within it, so P(wait ≤ w) = Σ min(w, Cᵢ) / Σ Cᵢ. With every cycle equal
 * that is half the cycle; a loaded machine's uneven cycles (a few long ones) widen it, and the wait
 * spread measured is held to this, not to half the median. Null with fewer than 3 cycles.
 */
export function cycleStats(cycles: readonly number[]): { requestCycleMs: number; requestWaitSpreadMs: number } | null {
  if (cycles.length < 3) return null;
  const sorted = [...cycles].sort((a, b) => a - b);
  const total = sorted.reduce((n, c) => n + c, 0);
  const cdf = (w: number) => sorted.reduce((n, c) => n + Math.min(w, c), 0) / total;
  const quantile = (q: number) => {
    let [lo, hi] = [0, sorted.at(-1)!];
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (cdf(mid) < q) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    requestCycleMs: round(sorted[Math.floor(sorted.length / 2)]!),
    requestWaitSpreadMs: round(quantile(0.75) - quantile(0.25)),
  };
}

export interface PredictionCheck extends Prediction {
  rttMs: number;
  /** `rtts` × the RTT; for a spread, from the measured cycles when there are some (cycleStats). */
  predictedMs: number;
  measuredMs: number | null;
  /** (measured − predicted) / predicted. */
  error: number | null;
  /** Spread rows: the request cycle the run measured (RTT + the machine's time at both ends). */
  cycleMs: number | null;
}

function statOf(h: HistogramSummary | null, stat: PredictionStat): number | null {
  if (!h) return null;
  if (stat === 'min') return h.min;
  const at = (p: number) => h.curve.find(([q]) => q === p)?.[1];
  const [p25, p75] = [at(25), at(75)];
  return p25 === undefined || p75 === undefined ? null : Math.round((p75 - p25) * 1000) / 1000;
}

/** Each prediction beside its measurement in `runs` (runs of predictionScenario on rtt:<ms>). */
export function checkPredictions(runs: readonly RunResult[]): PredictionCheck[] {
  return PREDICTIONS.flatMap((prediction) => {
    const run = runs.find(
      (r) => r.scenario === `predict-${prediction.workload}` && r.contender === prediction.contender,
    );
    if (!run) return [];
    const rttMs = run.network.rttMs;
    const { requestCycleMs: cycle, requestWaitSpreadMs: waitSpread } = run.params;
    const cycleMs = prediction.stat === 'spread' && typeof cycle === 'number' ? cycle : null;
    // A wait spread evenly over each measured cycle (cycleStats): rtts (½) of the cycle when all are equal.
    const predictedMs =
      cycleMs !== null && typeof waitSpread === 'number'
        ? waitSpread * 2 * prediction.rtts
        : prediction.rtts * (cycleMs ?? rttMs);
    const measuredMs = statOf(run.latency[prediction.figure], prediction.stat);
    return [
      {
        ...prediction,
        rttMs,
        predictedMs,
        measuredMs,
        error: measuredMs === null ? null : (measuredMs - predictedMs) / predictedMs,
        cycleMs,
      },
    ];
  });
}
