/**
 * The throughput climb raises the rate step by step and stops at the first unsustainable step.
 * No figure of this machine's speed is asserted: the climb's steps, their order, and its stop.
 */
import { expect, it } from 'vitest';
import { testPlan } from './testkit.js';
import type { ThroughputOutcome } from './throughput.js';
import { runPlan } from './runner.js';

const climbPlan = (p99BoundMs: number) =>
  testPlan('raw-ws', {
    duration: undefined,
    traffic: { pattern: 'echo', rate: 20 },
    // 2 s steps: a scheduling stall of a loaded machine is a small share of the judged 1.5 s.
    throughput: { startRate: 20, factor: 2, maxSteps: 3, stepMs: '2s', p99BoundMs },
  });

it('climbs through every step while the bound holds', { timeout: 60_000 }, async () => {
  // A bound no loopback echo breaks, even on a busy machine: every step is judged by delivery alone.
  const r = await runPlan(climbPlan(10_000));
  const t = r.params.throughput as ThroughputOutcome;
  expect(t.steps.map((s) => s.rate)).toEqual([20, 40, 80]);
  expect(t.steps.map((s) => s.offeredMsgPerSec)).toEqual([40, 80, 160]); // 2 clients
  expect(t.steps.every((s) => s.sustainable)).toBe(true);
  // Delivered is measured, not copied from the offer: it rises with each doubling of the offer.
  const delivered = t.steps.map((s) => s.deliveredMsgPerSec);
  expect(delivered[1]).toBeGreaterThan(delivered[0]);
  expect(delivered[2]).toBeGreaterThan(delivered[1]);
  expect(t.maxSustainableMsgPerSec).toBe(delivered[2]);
});

it('stops at the first step that breaks the bound', async () => {
  const r = await runPlan(climbPlan(0.001));
  const t = r.params.throughput as ThroughputOutcome;
  expect(t.steps).toHaveLength(1);
  expect(t.steps[0].sustainable).toBe(false);
  expect(t.steps[0].p99Ms).toBeGreaterThan(0.001);
  expect(t.maxSustainableMsgPerSec).toBe(0);
});
