/**
 * Every metric is produced for every contender, ours and peers alike: one small echo run each
 * behind a proxy that cuts every connection every two seconds (so reconnect gaps exist too).
 * Ours must come through the cuts with nothing lost, duplicated or reordered.
 *
 * Samples by construction, not by speed: eight seconds of traffic give two cuts, three seconds apart,
 * and echoes between them even where a loaded machine makes reconnecting slow. Socket.IO's polling
 * handshake, cut again mid-way, backs off: with cuts every two seconds, on a box running two suites
 * and two busy loops, one of its runs delivered nothing timed between them. A client still down at the
 * end counts as a reconnect gap.
 */
import { describe, expect, it } from 'vitest';
import { describeRun, OUR_TRANSPORTS, PEERS, testPlan } from './testkit.js';
import { LATENCY_HISTOGRAMS, type ByteBreakdown, type Contender } from '../results.js';
import { runPlan } from './runner.js';

const sumOfParts = (b: ByteBreakdown) => b.handshake + b.httpHeaders + b.framing + b.envelope + b.control + b.payload;

describe.each<Contender>([...OUR_TRANSPORTS, ...PEERS])('%s', (contender) => {
  it('produces every metric', { timeout: 60_000 }, async () => {
    const r = await runPlan(testPlan(contender, { duration: '8s', middlebox: 'flaky:3' }));
    const why = describeRun(r);
    expect(r.status, why).toBe('ok');
    expect(Object.values(r.finalTransports).reduce((a, b) => a + b, 0)).toBe(2);

    for (const metric of LATENCY_HISTOGRAMS) {
      const h = r.latency[metric];
      expect(h, `${metric} ${why}`).toBeDefined();
      expect(h!.count, `${metric} ${why}`).toBeGreaterThan(0);
      expect(h!.p50).toBeGreaterThanOrEqual(h!.min);
      expect(h!.max).toBeGreaterThanOrEqual(h!.p999);
      expect(h!.curve.length).toBeLessThanOrEqual(64);
    }
    expect(r.latencyOverTime.length).toBeGreaterThan(0);

    for (const d of [r.delivery.serverToClient, r.delivery.clientToServer]) {
      expect(d.sent).toBeGreaterThan(20);
      expect(d.received).toBeGreaterThan(0);
      expect(d.received + d.lost).toBeGreaterThanOrEqual(d.sent);
    }
    for (const b of [r.bytes.upstream, r.bytes.downstream]) {
      expect(b.payload).toBeGreaterThan(0);
      expect(sumOfParts(b)).toBe(b.total);
    }
    expect(r.bytes.messages).toBe(r.delivery.serverToClient.received + r.delivery.clientToServer.received);
    expect(r.bytes.perMessage).toBeGreaterThan(100); // at least the payload
    expect(r.bandwidth.some((s) => s.downBytesPerSec > 0 && s.upBytesPerSec > 0)).toBe(true);
    expect(
      r.events.some((e) => e.type === 'proxy-cut'),
      why,
    ).toBe(true);

    expect(r.server.cpuUserMs + r.server.cpuSystemMs).toBeGreaterThan(0);
    expect(r.server.rssBytes).toBeGreaterThan(10_000_000);
    expect(Number.isFinite(r.server.memoryPerConnectionBytes)).toBe(true);
    expect(r.loadGenerator.cpuPercent).toBeGreaterThan(0);

    if (OUR_TRANSPORTS.includes(contender)) {
      // Session resume: the cuts cost time, never a message.
      for (const d of [r.delivery.serverToClient, r.delivery.clientToServer]) {
        expect({ lost: d.lost, duplicated: d.duplicated, outOfOrder: d.outOfOrder }, why).toEqual({
          lost: 0,
          duplicated: 0,
          outOfOrder: 0,
        });
      }
    }
  });
});
