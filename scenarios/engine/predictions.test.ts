/**
 * The prediction table (scenarios/predictions.ts): on plain delay lines (400–800 ms, no jitter),
 * connect times, first messages and one-way latencies land within 5 % of what the protocols predict
 * in round trips — the TCP handshake included, long-polling's wait for the next poll included. The
 * RTTs are long so that the machine's own time per hop, which the predictions leave out, stays small
 * against 5 % on a loaded machine (see PREDICTION_WORKLOADS); the figures checked are the fastest
 * sample (load only adds) and, for a wait behind a poll or POST cycle, its spread against the spread
 * of a wait falling evenly over the cycles the run measured, whose median must be at least the RTT
 * (scenarios/predictions.ts).
 */
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../define.js';
import { expandScenario } from '../plan.js';
import {
  checkPredictions,
  predictionScenario,
  PREDICTION_WARM_UP_RTTS,
  PREDICTION_WORKLOADS,
  type PredictionWorkload,
} from '../predictions.js';
import type { RunResult } from '../results.js';
import { describeRun } from './testkit.js';
import { runPlan } from './runner.js';

const TOLERANCE = 0.05;

describe.each(Object.keys(PREDICTION_WORKLOADS) as PredictionWorkload[])('%s', (workload) => {
  const { rttMs } = PREDICTION_WORKLOADS[workload];
  it(`lands within 5 % of the predicted round trips at RTT ${rttMs} ms`, { timeout: 180_000 }, async () => {
    const runs: RunResult[] = [];
    for (const plan of expandScenario(defineScenario(predictionScenario(workload)))) {
      const run = await runPlan({ ...plan, warmUpMs: PREDICTION_WARM_UP_RTTS * rttMs });
      expect(run.status, describeRun(run)).toBe('ok');
      runs.push(run);
    }
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
      // A wait behind a cycle is checked against the cycle measured, which can never beat the RTT.
      if (check.stat === 'spread')
        expect(check.cycleMs, `${check.contender} cycle`).toBeGreaterThanOrEqual(0.99 * rttMs);
      expect(
        Math.abs(check.error!),
        `${check.contender} ${check.figure}: ${check.measuredMs} ms vs ${check.predictedMs} ms`,
      ).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});
