/**
 * The prediction table (scenarios/predictions.ts): on plain delay lines (400–800 ms, no jitter),
 * connect times, first messages and one-way latencies land within 5 % of what the protocols predict
 * in round trips — the TCP handshake included, long-polling's wait for the next poll included. The
 * RTTs are long so that the machine's own time per hop, which the predictions leave out, stays small
 * against 5 % on a loaded machine (see PREDICTION_WORKLOADS); the figures checked are the fastest
 * sample (load only adds) and, for a wait behind a poll or POST cycle, its spread against the spread
 * of a wait falling evenly over the cycles the run measured, whose median must be at least the RTT
 * (scenarios/predictions.ts) — or, below it, down to the protocol's own spread (½ RTT): the machine's
 * time lengthens the cycles, and the waits need not spread over all of it. The 5 % are beyond what the
 * machine itself adds, measured in the same runs, which no protocol prediction includes: this
 * process's event-loop lag (p90; it hosts the delay line), and for a spread, the spread (p75 − p25)
 * of WebSocket's same figure in the same workload — a message on an open connection over a
 * zero-jitter line, whose spread is the machine's own (about 0 on a quiet box; tens of milliseconds
 * in the client and server processes of a busy 2-core one).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../define.js';
import { expandScenario } from '../plan.js';
import {
  checkPredictions,
  predictionScenario,
  PREDICTION_WARM_UP_RTTS,
  PREDICTION_WORKLOADS,
  type Prediction,
  type PredictionWorkload,
} from '../predictions.js';
import type { RunResult } from '../results.js';
import { describeRun } from './testkit.js';
import { runPlan } from './runner.js';

const TOLERANCE = 0.05;
const LAG_RESOLUTION_MS = 10;

describe.each(Object.keys(PREDICTION_WORKLOADS) as PredictionWorkload[])('%s', (workload) => {
  const { rttMs } = PREDICTION_WORKLOADS[workload];
  it(`lands within 5 % of the predicted round trips at RTT ${rttMs} ms`, { timeout: 180_000 }, async () => {
    const runs: RunResult[] = [];
    const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    lag.enable();
    for (const plan of expandScenario(defineScenario(predictionScenario(workload)))) {
      const run = await runPlan({ ...plan, warmUpMs: PREDICTION_WARM_UP_RTTS * rttMs });
      expect(run.status, describeRun(run)).toBe('ok');
      runs.push(run);
    }
    lag.disable();
    const lagMs = Math.max(0, lag.percentile(90) / 1e6 - LAG_RESOLUTION_MS);
    const checks = checkPredictions(runs);
    expect(checks.length).toBeGreaterThan(0);
    console.info(
      checks
        .map(
          (c) =>
            `[predictions] ${workload} ${c.contender} ${c.figure} ${c.stat}: predicted ${c.rtts} ${c.cycleMs === null ? 'RTT' : `cycle (median ${c.cycleMs} ms, ${(c.cycleMs / c.rttMs).toFixed(3)} RTT; the wait spread over the cycles measured)`} = ${c.predictedMs} ms, measured ${c.measuredMs} ms (${((c.error ?? NaN) * 100).toFixed(1)} %)`,
        )
        .join('\n'),
    );
    for (const check of checks) {
      expect(check.measuredMs, `${check.contender} ${check.figure}`).not.toBeNull();
      const machineMs = lagMs + (check.stat === 'spread' ? openConnectionSpread(runs, check.figure) : 0);
      // A wait behind a cycle is checked against the cycle measured, which can never beat the RTT.
      if (check.stat === 'spread')
        expect(check.cycleMs, `${check.contender} cycle`).toBeGreaterThanOrEqual(0.99 * rttMs);
      // A spread is predicted from the cycles measured, which the machine's time makes longer than the
      // RTT (one loaded run: median 871 ms at RTT 800); the waits' spread lands between the protocol's
      // own (½ RTT) and the cycles', each within the margin.
      const lowest = check.stat === 'spread' ? Math.min(check.predictedMs, check.rtts * rttMs) : check.predictedMs;
      const margin = TOLERANCE * check.predictedMs + machineMs;
      const why = `${check.contender} ${check.figure}: ${check.measuredMs} ms vs ${check.predictedMs} ms (the machine's own: ${machineMs.toFixed(1)} ms)`;
      expect(check.measuredMs!, why).toBeGreaterThanOrEqual(lowest - margin);
      expect(check.measuredMs!, why).toBeLessThanOrEqual(check.predictedMs + margin);
    }
  });
});

/** p75 − p25 of WebSocket's `figure` in these runs: the machine's spread on an open connection. */
function openConnectionSpread(runs: readonly RunResult[], figure: Prediction['figure']): number {
  const h = runs.find((r) => r.contender === 'websocket')?.latency[figure];
  const at = (q: number) => h?.curve.find(([p]) => p === q)?.[1];
  const [p25, p75] = [at(25), at(75)];
  expect(p25 !== undefined && p75 !== undefined, `websocket ${figure}: p25 and p75 measured`).toBe(true);
  return p75! - p25!;
}
