/**
 * Compressed HTTP bodies (Content-Encoding gzip, deflate, br): their wire bytes are one compressed
 * stream, in which no byte belongs to one message. The body is decoded when it ends (the stream
 * closes, or the answer is complete), its content dissected as usual, and its wire bytes split over
 * the categories in proportion to the decoded content's (largest remainder, so they add up exactly).
 * Until then they count as `payload`, provisionally. The total stays exact; the split is a share.
 */
import zlib from 'node:zlib';
import type { BodyDissector } from './bodies.js';
import { CATEGORIES, type Category, Tally } from './tally.js';

/** Bodies larger than this are not kept for decoding: their bytes count as payload. */
const MAX_KEPT_BYTES = 32 * 1024 * 1024;

type Decoder = (body: Buffer) => Buffer;

const DECODERS: Record<string, Decoder> = {
  // A stream cut short (the connection closed mid-stream) decodes as far as it got.
  gzip: (b) => zlib.gunzipSync(b, { finishFlush: zlib.constants.Z_SYNC_FLUSH }),
  deflate: (b) => zlib.inflateSync(b, { finishFlush: zlib.constants.Z_SYNC_FLUSH }),
  br: (b) => zlib.brotliDecompressSync(b, { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }),
};

export const isDecodable = (encoding: string | undefined): boolean =>
  encoding !== undefined && encoding.trim().toLowerCase() in DECODERS;

/** @param dissect the body dissector the decoded content would get, counting into the tally given. */
export function encodedBody(encoding: string, tally: Tally, dissect: (into: Tally) => BodyDissector): BodyDissector {
  const decode = DECODERS[encoding.trim().toLowerCase()];
  let chunks: Buffer[] = [];
  let held = 0;
  return {
    push(bytes) {
      held += bytes.length;
      if (held <= MAX_KEPT_BYTES) chunks.push(bytes);
    },
    pending: () => [['payload', held]],
    finish() {
      if (held === 0) return;
      const wire = held;
      const kept = Buffer.concat(chunks);
      [chunks, held] = [[], 0];
      if (kept.length < wire) return tally.add('payload', wire);
      let content: Buffer;
      try {
        content = decode(kept);
      } catch {
        return tally.add('framing', wire); // not what it said it was
      }
      const decoded = new Tally();
      const inner = dissect(decoded);
      inner.push(content);
      inner.finish();
      for (const [category, bytes] of share(wire, decoded)) tally.add(category, bytes);
    },
  };
}

/** `wire` bytes split like the decoded tally's categories, in whole bytes that add up to `wire`. */
function share(wire: number, decoded: Tally): Array<[Category, number]> {
  const total = decoded.counts.total;
  if (total === 0) return [['framing', wire]];
  const exact = CATEGORIES.map((c) => [c, (wire * decoded.counts[c]) / total] as const);
  const parts = exact.map(([c, x]) => [c, Math.floor(x)] as [Category, number]);
  let left = wire - parts.reduce((n, [, x]) => n + x, 0);
  const byRemainder = exact.map(([, x], i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of byRemainder) if (left-- > 0) parts[i][1]++;
  return parts;
}
