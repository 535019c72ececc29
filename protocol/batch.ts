/**
 * Batches: several frames in one HTTP body (long-polling responses, upstream POSTs).
 *
 *   batch = *( length ":" frame )      length: the frame's byte length in decimal ASCII
 *
 * Text and binary frames mix freely; a frame is decoded like a WebSocket frame of the same bytes.
 */
import { TransportLabError } from './codes.js';
import { byteLength, type Frame } from './envelope.js';

export const BATCH_CONTENT_TYPE = 'application/octet-stream';
const COLON = 0x3a;
const utf8Encoder = new TextEncoder();

/** Encodes frames as one batch, written straight into one buffer (no buffer per frame). */
export function encodeBatch(frames: readonly Frame[]): Uint8Array<ArrayBuffer> {
  const lengths = frames.map(byteLength);
  let total = 0;
  for (const length of lengths) total += digits(length) + 1 + length;
  const out = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < frames.length; i++) {
    const length = lengths[i];
    for (let d = digits(length) - 1, n = length; d >= 0; d--, n = Math.floor(n / 10)) out[at + d] = 48 + (n % 10);
    at += digits(length);
    out[at++] = COLON;
    const frame = frames[i];
    if (typeof frame === 'string') utf8Encoder.encodeInto(frame, out.subarray(at, at + length));
    else out.set(frame, at);
    at += length;
  }
  return out;
}

/** Decimal digits of a non-negative integer. */
function digits(n: number): number {
  let count = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    count++;
  }
  return count;
}

/**
 * Splits a batch into frames (views into `body`, no copies). A declared frame length above
 * `maxFrameBytes` is refused before anything is decoded.
 */
export function decodeBatch(body: Uint8Array, maxFrameBytes: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let at = 0;
  while (at < body.byteLength) {
    let length = 0;
    let digits = 0;
    while (at < body.byteLength && body[at] !== COLON) {
      const d = body[at] - 48;
      if (d < 0 || d > 9 || ++digits > 10) throw new TransportLabError('BAD_ENVELOPE', 'Malformed batch length');
      length = length * 10 + d;
      at++;
    }
    if (digits === 0 || at >= body.byteLength) throw new TransportLabError('BAD_ENVELOPE', 'Malformed batch length');
    if (length > maxFrameBytes) throw new TransportLabError('MESSAGE_TOO_BIG');
    at++; // ':'
    if (at + length > body.byteLength) throw new TransportLabError('BAD_ENVELOPE', 'Batch frame runs past the body');
    frames.push(body.subarray(at, at + length));
    at += length;
  }
  return frames;
}
