/**
 * The emulated network shows up in what the engine measures. The proxy never delivers early, so on
 * the broadband profile (RTT 30 ms, jitter ±2 ms per direction) no round trip can be faster than
 * 26 ms, no one-way trip faster than 13 ms, and no first message sooner than two round trips (the TCP
 * handshake, then the request): a delay left out fails. Load only adds time, so these hold on any
 * machine. The same workload on loopback, run at the same time (so both see the same load), has a
 * faster fastest trip (its median need not be: a loaded box can lift both medians past the delay).
 * That the proxy adds the delay once, not twice, is proxy.test.ts's: a bound from above is not
 * something a busy machine can promise here (an SSE round trip includes a POST that waits for the
 * previous one).
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
  it('measures the proxy delay on broadband, and less on loopback at the same time', { timeout: 60_000 }, async () => {
    const [r, loopback] = await Promise.all([
      runPlan(echo(contender, 'broadband')),
      runPlan(echo(contender, 'loopback')),
    ]);
    expect(r.status, describeRun(r)).toBe('ok');
    expect(loopback.status, describeRun(loopback)).toBe('ok');
    expect(r.network).toMatchObject({ name: 'broadband', rttMs: 30 });

    const roundTrip = r.latency.roundTrip!;
    expect(roundTrip.count).toBeGreaterThanOrEqual(80); // 2 clients × 20/s × 2.5 s
    expect(roundTrip.min).toBeGreaterThanOrEqual(floor.roundTrip - ROUNDING_MS);
    for (const oneWay of [r.latency.serverToClient!, r.latency.clientToServer!])
      expect(oneWay.min).toBeGreaterThanOrEqual(floor.oneWay - ROUNDING_MS);
    // The connection itself pays too: the TCP handshake and the request, two round trips before the first message.
    expect(r.latency.firstMessage!.min).toBeGreaterThanOrEqual(2 * floor.roundTrip - ROUNDING_MS);

    // The fastest trip, not the median: on a loaded box an SSE echo's POSTs queue behind each other and
    // both medians climbed to ~200 ms (loopback 221 ms, broadband 202 ms), while the fastest of 80 trips
    // stays near the floor of its network.
    expect(loopback.latency.roundTrip!.min).toBeLessThan(roundTrip.min);
  });
});
