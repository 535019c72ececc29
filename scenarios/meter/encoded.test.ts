/**
 * Compressed bodies under the dissector: an SSE stream sent gzip- or brotli-encoded is decoded when
 * it ends, and its wire bytes shared over the categories its decoded content has, adding up exactly.
 */
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ConnectionDissector } from './dissector.js';
import { CATEGORIES } from './tally.js';

const REQUEST = 'GET /rt/sse HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n';
const response = (encoding: string) =>
  `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: ${encoding}\r\nConnection: close\r\n\r\n`;
/** Two events: an envelope ("t1 ", "t2 ") and a payload each, in "data:" framing. */
const EVENTS = `data:t1 ${'hello world '.repeat(20)}\n\ndata:t2 ${'hello world '.repeat(20)}\n\n`;

function measure(encoding: 'gzip' | 'br', body: Buffer) {
  const dissector = new ConnectionDissector('envelope');
  dissector.upstream(Buffer.from(REQUEST));
  dissector.downstream(Buffer.from(response(encoding)));
  for (let i = 0; i < body.length; i += 7) dissector.downstream(body.subarray(i, i + 7)); // any split
  const provisional = dissector.breakdown('downstream');
  dissector.finish();
  return { provisional, final: dissector.breakdown('downstream') };
}

describe('compressed bodies', () => {
  for (const [encoding, compress] of [
    ['gzip', zlib.gzipSync],
    ['br', zlib.brotliCompressSync],
  ] as const) {
    it(`${encoding}: wire bytes shared like the decoded content, adding up exactly`, () => {
      const body = compress(Buffer.from(EVENTS));
      const { provisional, final } = measure(encoding, body);
      expect(provisional.payload).toBe(body.length); // until the body ends
      expect(final.total).toBe(response(encoding).length + body.length);
      expect(final.handshake).toBe(response(encoding).length);
      expect(CATEGORIES.reduce((n, c) => n + final[c], 0)).toBe(final.total);
      // Decoded: 2 × 5 + 2 × 2 framing, 2 × 3 envelope, 2 × 240 payload; the body's bytes in that ratio.
      const share = (bytes: number) => (body.length * bytes) / EVENTS.length;
      expect(Math.abs(final.payload - share(480))).toBeLessThanOrEqual(1);
      expect(Math.abs(final.envelope - share(6))).toBeLessThanOrEqual(1);
      expect(Math.abs(final.framing - share(14))).toBeLessThanOrEqual(1);
    });
  }

  it('a body that does not decode is framing, every byte still counted', () => {
    const garbage = Buffer.from('definitely not gzip');
    const { final } = measure('gzip', garbage);
    expect(final.framing).toBe(garbage.length);
    expect(final.total).toBe(response('gzip').length + garbage.length);
  });
});
