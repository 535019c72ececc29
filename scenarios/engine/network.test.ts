/**
 * The emulated network shows up in what the engine measures. The proxy never delivers early, so on
 * the broadband profile (RTT 30 ms, jitter ±2 ms per direction) no round trip can be faster than
 * 26 ms and no one-way trip faster than 13 ms: a delay left out fails. A delay counted twice would
 * put even the fastest round trip at 52 ms or more; the fastest of ~100, on a busy machine, stays
 * near the RTT. Each contender also runs on loopback in the same test, and is faster there. Load
 * only adds time, so none of this depends on the machine's speed.
 */
import { describe, expect, it } from 'vitest';
import { describeRun, testPlan } from './testkit.js';
import type { Contender } from '../results.js';
import { getProfile } from '../network/profiles.js';
import { runPlan } from './runner.js';

const broadband = getProfile('broadband');
/** The fastest trip the profile allows: its delay less the jitter, per direction. */
const floor = { oneWay: broadband.rttMs / 2 - broadband.jitterMs, roundTrip: broadband.rttMs - 2 * broadband.jitterMs };
/** Timer rounding: the link releases a chunk up to 0.5 ms before its time, and latency is kept in µs. */
const ROUNDING_MS = 1;

const echo = (contender: Contender, network: string) =>
  testPlan(contender, { network, duration: '2500ms', traffic: { pattern: 'echo', rate: 20 } });

describe.each<Contender>(['raw-ws', 'websocket', 'sse'])('%s', (contender) => {
  it('measures the proxy delay on broadband, once, and far less on loopback', { timeout: 60_000 }, async () => {
    const r = await runPlan(echo(contender, 'broadband'));
    expect(r.status, describeRun(r)).toBe('ok');
    expect(r.network).toMatchObject({ name: 'broadband', rttMs: 30 });
    const roundTrip = r.latency.roundTrip!;
    expect(roundTrip.count).toBeGreaterThanOrEqual(80); // 2 clients × 20/s × 2.5 s
    expect(roundTrip.min).toBeGreaterThanOrEqual(floor.roundTrip - ROUNDING_MS);
    expect(roundTrip.min).toBeLessThan(2 * floor.roundTrip); // the delay is counted once
    for (const oneWay of [r.latency.serverToClient!, r.latency.clientToServer!]) {
      expect(oneWay.min).toBeGreaterThanOrEqual(floor.oneWay - ROUNDING_MS);
      expect(oneWay.min).toBeLessThan(2 * floor.oneWay);
    }
    // The connection itself pays the RTT too: at least one round trip before the first message.
    expect(r.latency.firstMessage!.min).toBeGreaterThanOrEqual(floor.roundTrip - ROUNDING_MS);

    const loopback = await runPlan(echo(contender, 'loopback'));
    expect(loopback.status, describeRun(loopback)).toBe('ok');
    expect(loopback.latency.roundTrip!.min).toBeLessThan(roundTrip.min);
    expect(loopback.latency.roundTrip!.p50).toBeLessThan(roundTrip.p50);
  });
});
