/**
 * Measurement payloads: what the load generator sends as application data, on every contender.
 *
 * Every data payload carries a stamp — stream, sequence number, send time and (for echoes) the
 * time the server turned it around — in fixed-width fields, so a payload keeps its exact size when
 * the server stamps the echo time into it. The rest is filler up to the requested size:
 * compressible word salad for text/JSON, random bytes for binary.
 *
 *   text    "@" stream(8) seq(10) sentAt(17) echoAt(17) ":" filler
 *   json    {"s":stream,"q":seq,"t":"sentAt(17)","e":"echoAt(17)","f":"filler"}
 *   binary  u32 stream, u32 seq, f64 sentAt, f64 echoAt (big-endian), filler
 *
 * Times are ms on the shared clock `now()`. Streams: 0 = the server's own stream (push/broadcast),
 * i + 1 = client i's upstream (echoes and room relays keep the origin's stream).
 * Control messages ("#join 3", "#welcome") are short text and never carry a stamp.
 */
import { MIN_PAYLOAD_BYTES, type PayloadKind } from '../workload.js';
import type { AppData } from '../peers/adapter.js';

export type { AppData, PayloadKind };
export { MIN_PAYLOAD_BYTES };

export interface Stamp {
  stream: number;
  seq: number;
  sentAt: number;
  echoAt: number;
}

export const SERVER_STREAM = 0;
const TEXT_HEADER = 1 + 8 + 10 + 17 + 17 + 1;
const BINARY_HEADER = 24;

export { now } from '../clock.js';

export function makePayload(kind: PayloadKind, bytes: number, stamp: Stamp): AppData {
  if (bytes < MIN_PAYLOAD_BYTES) throw new RangeError(`payload must be at least ${MIN_PAYLOAD_BYTES} bytes`);
  if (kind === 'binary') {
    const out = new Uint8Array(bytes);
    out.set(randomFiller(bytes - BINARY_HEADER), BINARY_HEADER);
    writeBinaryStamp(out, stamp);
    return out;
  }
  if (kind === 'text') return textHeader(stamp) + textFiller(bytes - TEXT_HEADER);
  const empty = { s: stamp.stream, q: stamp.seq, t: time17(stamp.sentAt), e: time17(stamp.echoAt), f: '' };
  const fill = bytes - JSON.stringify(empty).length;
  return { ...empty, f: textFiller(Math.max(0, fill)) };
}

/** The stamp of a data payload, or null for control messages and anything foreign. */
export function readStamp(data: unknown): Stamp | null {
  if (typeof data === 'string') {
    if (data.startsWith('{')) return readStamp(safeParse(data));
    if (data[0] !== '@' || data.length < TEXT_HEADER) return null;
    return {
      stream: Number(data.slice(1, 9)),
      seq: Number(data.slice(9, 19)),
      sentAt: Number(data.slice(19, 36)),
      echoAt: Number(data.slice(36, 53)),
    };
  }
  if (data instanceof Uint8Array) {
    if (data.byteLength < BINARY_HEADER) return null;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return {
      stream: view.getUint32(0),
      seq: view.getUint32(4),
      sentAt: view.getFloat64(8),
      echoAt: view.getFloat64(16),
    };
  }
  if (data && typeof data === 'object' && 'q' in data && 't' in data) {
    const o = data as { s: number; q: number; t: string; e: string };
    return { stream: o.s, seq: o.q, sentAt: Number(o.t), echoAt: Number(o.e) };
  }
  return null;
}

/** Where each time stamp sits: offset in a text payload, offset in a binary one, key in JSON. */
const STAMP_AT = { sent: { text: 19, binary: 8, key: 't' }, echo: { text: 36, binary: 16, key: 'e' } } as const;

/** The same payload (same size) with one of its time stamps replaced. */
function restamp(data: AppData, which: keyof typeof STAMP_AT, at: number): AppData {
  const where = STAMP_AT[which];
  if (typeof data === 'string') {
    if (data.startsWith('{')) return JSON.stringify({ ...(JSON.parse(data) as object), [where.key]: time17(at) });
    return data.slice(0, where.text) + time17(at) + data.slice(where.text + 17);
  }
  if (data instanceof Uint8Array) {
    const copy = new Uint8Array(data);
    new DataView(copy.buffer).setFloat64(where.binary, at);
    return copy;
  }
  return { ...data, [where.key]: time17(at) };
}

/** The same payload (same size) with the server's echo time stamped in. */
export const withEchoTime = (data: AppData, echoAt: number): AppData => restamp(data, 'echo', echoAt);

/**
 * The same payload (same size) with its send time replaced: a browser client re-stamps what the
 * load generator made at the moment the page hands it to the transport (see scenarios/engine/browser/harness.ts).
 * Anything without a stamp comes back unchanged.
 */
export const withSentTime = (data: AppData, sentAt: number): AppData =>
  readStamp(data) === null ? data : restamp(data, 'sent', sentAt);

/** Application bytes as the application sees them (JSON: its serialized length). */
export function payloadBytes(data: AppData): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (data instanceof Uint8Array) return data.byteLength;
  return Buffer.byteLength(JSON.stringify(data));
}

function textHeader(s: Stamp): string {
  return `@${pad(s.stream, 8)}${pad(s.seq, 10)}${time17(s.sentAt)}${time17(s.echoAt)}:`;
}

function writeBinaryStamp(out: Uint8Array, s: Stamp): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, s.stream);
  view.setUint32(4, s.seq);
  view.setFloat64(8, s.sentAt);
  view.setFloat64(16, s.echoAt);
}

function pad(n: number, width: number): string {
  const digits = String(n);
  if (digits.length > width) throw new RangeError(`${n} does not fit in ${width} digits`);
  return digits.padStart(width, '0');
}

/** A time as exactly 17 characters: 13 integer digits, a point, 3 decimals (µs resolution). */
function time17(ms: number): string {
  return ms.toFixed(3).padStart(17, '0');
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const WORDS = 'the quick brown fox jumps over a lazy dog while seven market ticks update price volume and status'.split(
  ' ',
);
let textPool = '';
let randomPool = new Uint8Array(0);

/** Word salad: compresses roughly like natural text, so deflate on/off shows a real difference. */
function textFiller(length: number): string {
  if (textPool.length < length) {
    let seed = 7;
    const parts: string[] = [];
    let size = 0;
    while (size < Math.max(length, 4096)) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const word = WORDS[seed % WORDS.length];
      parts.push(word);
      size += word.length + 1;
    }
    textPool = parts.join(' ');
  }
  return textPool.slice(0, length);
}

/** Random bytes (incompressible), shared between payloads of one process. */
function randomFiller(length: number): Uint8Array {
  if (randomPool.byteLength < length) {
    randomPool = new Uint8Array(Math.max(length, 4096));
    for (let i = 0; i < randomPool.length; i += 65536) crypto.getRandomValues(randomPool.subarray(i, i + 65536));
  }
  return randomPool.subarray(0, length);
}
