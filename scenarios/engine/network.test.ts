/**
 * The emulated network shows up in what the engine measures. Tolerance (stated): on the broadband
 * profile (RTT 30 ms, jitter ±2 ms per direction) the round-trip p50 lies within [26, 55] ms and
 * each one-way p50 within [13, 35] ms: never less than the delay minus jitter, and at most ~25 ms
 * above it (scheduling on a loaded 2-core machine; an upstream POST that waits for the previous
 * one) — a delay counted twice would fail. On loopback the same run measures far lower.
 */
import { describe, expect, it } from 'vitest';
import { describeRun, testPlan } from './testkit.js';
import type { Contender } from '../results.js';
import { runPlan } from './runner.js';

describe.each<Contender>(['raw-ws', 'websocket', 'sse'])('%s', (contender) => {
  it('measures the proxy delay on broadband', async () => {
    const r = await runPlan(
      testPlan(contender, { network: 'broadband', duration: '2s', traffic: { pattern: 'echo', rate: 10 } }),
    );
    expect(r.status, describeRun(r)).toBe('ok');
    expect(r.network).toMatchObject({ name: 'broadband', rttMs: 30 });
    expect(r.latency.roundTrip!.p50).toBeGreaterThanOrEqual(26);
    expect(r.latency.roundTrip!.p50).toBeLessThanOrEqual(55);
    for (const oneWay of [r.latency.serverToClient!, r.latency.clientToServer!]) {
      expect(oneWay.p50).toBeGreaterThanOrEqual(13);
      expect(oneWay.p50).toBeLessThanOrEqual(35);
    }
    // The connection itself pays the RTT too: at least one round trip before the first message.
    expect(r.latency.firstMessage!.p50).toBeGreaterThanOrEqual(30);
  });
});

it('measures far less on loopback', async () => {
  const r = await runPlan(testPlan('raw-ws', { duration: '1s', traffic: { pattern: 'echo', rate: 10 } }));
  expect(r.latency.roundTrip!.p50).toBeLessThan(15);
});
