/**
 * Batches: several frames in one HTTP body (long-polling responses, upstream POSTs).
 *
 *   batch = *( length ":" frame )      length: the frame's byte length in decimal ASCII
 *
 * Text and binary frames mix freely; a frame is decoded like a WebSocket frame of the same bytes.
 */
import { TransportLabError } from './codes.js';
import { type Frame, utf8 } from './envelope.js';

export const BATCH_CONTENT_TYPE = 'application/octet-stream';
const COLON = 0x3a;

export function encodeBatch(frames: readonly Frame[]): Uint8Array<ArrayBuffer> {
  const parts = frames.map((f) => (typeof f === 'string' ? utf8(f) : f));
  const prefixes = parts.map((p) => utf8(`${p.byteLength}:`));
  let total = 0;
  for (let i = 0; i < parts.length; i++) total += prefixes[i].byteLength + parts[i].byteLength;
  const out = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    out.set(prefixes[i], at);
    at += prefixes[i].byteLength;
    out.set(parts[i], at);
    at += parts[i].byteLength;
  }
  return out;
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
