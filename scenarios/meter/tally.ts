/**
 * Running byte counts per category, and the bounded sample of one message that the classifiers
 * read. A Tally's categories always add up to its total: bytes are only ever added with a category.
 */
import { type ByteBreakdown, HTTP2_FRAME_CATEGORIES, type Http2Frames } from '../results.js';

export type Category = Exclude<keyof ByteBreakdown, 'total' | 'http2'>;

export const emptyHttp2Frames = (): Http2Frames => ({
  headers: 0,
  data: 0,
  settings: 0,
  windowUpdate: 0,
  ping: 0,
  other: 0,
});

export const CATEGORIES: readonly Category[] = [
  'tls',
  'handshake',
  'httpHeaders',
  'framing',
  'envelope',
  'control',
  'payload',
];

export function emptyBreakdown(): ByteBreakdown {
  return { total: 0, tls: 0, handshake: 0, httpHeaders: 0, framing: 0, envelope: 0, control: 0, payload: 0 };
}

/** Adds `from` into `into` (mutates and returns `into`). */
export function addBreakdown(into: ByteBreakdown, from: ByteBreakdown): ByteBreakdown {
  into.total += from.total;
  for (const c of CATEGORIES) into[c] += from[c];
  if (from.http2) {
    into.http2 ??= emptyHttp2Frames();
    for (const k of HTTP2_FRAME_CATEGORIES) into.http2[k] += from.http2[k];
  }
  return into;
}

export class Tally {
  readonly counts: ByteBreakdown = emptyBreakdown();

  add(category: Category, bytes: number): void {
    if (bytes <= 0) return;
    this.counts[category] += bytes;
    this.counts.total += bytes;
  }
}

/** Bytes a dissector holds while a unit (head, frame header, message) is incomplete, by provisional category. */
export type Pending = Array<[Category, number]>;

const HEAD_SAMPLE = 256;

/**
 * One message as the classifiers see it: its length, its first 256 bytes and its last 2 bytes
 * (unmasked). That is all any classifier needs, so memory stays bounded whatever the message size.
 */
export class MessageSample {
  readonly head = Buffer.alloc(HEAD_SAMPLE);
  headLength = 0;
  tail: number[] = [];
  length = 0;

  /** `mask`/`maskOffset`: WebSocket client frames; bytes are unmasked as they are sampled. */
  push(bytes: Uint8Array, mask: Uint8Array | null = null, maskOffset = 0): void {
    const byteAt = (i: number) => (mask ? bytes[i] ^ mask[(maskOffset + i) & 3] : bytes[i]);
    const toHead = Math.min(HEAD_SAMPLE - this.headLength, bytes.length);
    for (let i = 0; i < toHead; i++) this.head[this.headLength++] = byteAt(i);
    for (let i = Math.max(0, bytes.length - 2); i < bytes.length; i++) this.tail.push(byteAt(i));
    if (this.tail.length > 2) this.tail = this.tail.slice(-2);
    this.length += bytes.length;
  }

  /** Index of `byte` within the first `limit` sampled bytes, or -1. */
  indexOf(byte: number, from = 0, limit = HEAD_SAMPLE): number {
    const end = Math.min(this.headLength, limit);
    for (let i = from; i < end; i++) if (this.head[i] === byte) return i;
    return -1;
  }
}
