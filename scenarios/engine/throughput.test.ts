/** The throughput climb raises the rate step by step and stops at the first unsustainable step. */
import { expect, it } from 'vitest';
import { testPlan } from './testkit.js';
import type { ThroughputOutcome } from './throughput.js';
import { runPlan } from './runner.js';

const climbPlan = (p99BoundMs: number) =>
  testPlan('raw-ws', {
    duration: undefined,
    traffic: { pattern: 'echo', rate: 20 },
    throughput: { startRate: 20, factor: 2, maxSteps: 3, stepMs: '1s', p99BoundMs },
  });

it('climbs through every step while the bound holds', async () => {
  const r = await runPlan(climbPlan(1000));
  const t = r.params.throughput as ThroughputOutcome;
  expect(t.steps.map((s) => s.rate)).toEqual([20, 40, 80]);
  expect(t.steps.map((s) => s.offeredMsgPerSec)).toEqual([40, 80, 160]); // 2 clients
  expect(t.steps.every((s) => s.sustainable)).toBe(true);
  // Delivered is measured, not copied from the offer: within 25 % of it at these light rates.
  for (const s of t.steps)
    expect(Math.abs(s.deliveredMsgPerSec - s.offeredMsgPerSec) / s.offeredMsgPerSec).toBeLessThan(0.25);
  expect(t.maxSustainableMsgPerSec).toBe(t.steps[2].deliveredMsgPerSec);
});

it('stops at the first step that breaks the bound', async () => {
  const r = await runPlan(climbPlan(0.001));
  const t = r.params.throughput as ThroughputOutcome;
  expect(t.steps).toHaveLength(1);
  expect(t.steps[0].sustainable).toBe(false);
  expect(t.maxSustainableMsgPerSec).toBe(0);
});
