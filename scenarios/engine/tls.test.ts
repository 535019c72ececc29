/**
 * Runs over TLS 1.3 (and HTTP/2) measured like plain ones: the bytes the run reports equal a tshark
 * capture of the proxy port; the meter decrypts every record (with the server's key log), so the
 * application's payload and our envelope bytes are exactly those of the same workload in the clear,
 * TLS's own bytes land in `tls`, and HTTP/2 connections get their frames counted by type.
 */
import { describe, expect, it } from 'vitest';
import { tsharkUnavailableReason } from '../meter/capture.js';
import type { Contender, RunResult } from '../results.js';
import { runPlan } from './runner.js';
import { describeRun, testPlan } from './testkit.js';

const unavailable = tsharkUnavailableReason();
if (unavailable) console.warn(`[engine.tls.test] capture checks SKIPPED: ${unavailable}`);

/** Each client sends 6 messages, echoed: the same messages whatever the deployment. */
const run = (contender: Contender, tls: boolean, http: '1.1' | '2' = '1.1') =>
  runPlan(testPlan(contender, { messages: 6, duration: undefined }, { tls, http }), {
    verifyCapture: tls && unavailable === null,
  });

/**
 * Both runs completed and carried the same application bytes, exactly, and envelopes of the same
 * size give or take the acks they piggyback (which depend on timing: up to 4 bytes per message).
 */
function expectSameMessages(a: RunResult, b: RunResult): void {
  for (const r of [a, b]) expect(r.status, describeRun(r)).toBe('ok');
  const ackSlack = 4 * (a.bytes.messages + 2);
  for (const d of ['upstream', 'downstream'] as const) {
    expect(b.bytes[d].payload, d).toBe(a.bytes[d].payload);
    expect(Math.abs(b.bytes[d].envelope - a.bytes[d].envelope), d).toBeLessThanOrEqual(ackSlack);
  }
}

/** A TLS run: TLS bytes counted (none in the clear), every byte equal to the capture. */
function expectTls(secure: RunResult, plain?: RunResult): void {
  for (const d of ['upstream', 'downstream'] as const) {
    expect(secure.bytes[d].tls).toBeGreaterThan(0);
    if (plain) expect(plain.bytes[d].tls).toBe(0);
  }
  if (unavailable === null) expect((secure.params.wireCheck as { equal: boolean }).equal).toBe(true);
}

describe('over TLS', () => {
  it.each<[Contender, '1.1' | '2']>([
    ['websocket', '1.1'],
    ['sse', '2'],
    ['long-polling', '1.1'],
    ['socketio', '2'],
    ['raw-ws', '1.1'],
  ])(
    '%s (HTTP/%s): the same payload and envelope bytes as in the clear, TLS counted apart',
    async (contender, http) => {
      const [plain, secure] = [await run(contender, false), await run(contender, true, http)];
      expectSameMessages(plain, secure);
      expectTls(secure, plain);
      // HTTP/2 where the Node client speaks it: ours (undici); Socket.IO's Node client polls with
      // xmlhttprequest-ssl, HTTP/1.1 only (its browser client gets HTTP/2 from the browser).
      expect(secure.bytes.downstream.http2 !== undefined).toBe(http === '2' && contender === 'sse');
    },
  );

  it('long-polling on HTTP/2: HPACK makes every poll head smaller than on HTTP/1.1', async () => {
    const [h1, h2] = [await run('long-polling', true, '1.1'), await run('long-polling', true, '2')];
    expectSameMessages(h1, h2);
    expectTls(h1);
    expectTls(h2);
    const frames = h2.bytes.upstream.http2!;
    expect(frames.headers).toBe(h2.bytes.upstream.httpHeaders + h2.bytes.upstream.handshake);
    expect(frames.settings).toBeGreaterThan(0);
    // The same requests (the same messages, one poll per answer): a fraction of the head bytes.
    expect(h2.bytes.upstream.httpHeaders).toBeLessThan(h1.bytes.upstream.httpHeaders / 2);
  });
});
