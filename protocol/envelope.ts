/**
 * The envelope: what both sides put around every message, on every transport. See docs/protocol.md.
 *
 *   envelope = kind header [" " body]        header: decimal fields separated by ","
 *
 *   t<seq>[,<ack>] <text>     data, UTF-8 text            j<seq>[,<ack>] <json>   data, JSON value
 *   b<seq>[,<ack>] <bytes>    data, raw bytes (binary frames and batches only)
 *   B<seq>[,<ack>] <base64>   data, bytes as base64 (text-only channels: SSE)
 *   a<ack>                    cumulative ack              p[<id>] / o[<id>]       ping / pong
 *   h <json>                  hello (first thing the server sends on every connection)
 *   c<code> <reason>          close                       u                        upgrade (probe → active)
 *
 * `seq` numbers data messages per direction from 1; `ack` is the highest seq received in order.
 */
import { TransportLabError } from './codes.js';
import type { TransportName } from './transports.js';

export type DataKind = 't' | 'j' | 'b';

export interface Hello {
  sid: string;
  token: string;
  transport: TransportName;
  /** Highest client→server seq the server holds: the client resends everything after it. */
  ack: number;
  /** True when this connection continues an existing session. */
  resumed: boolean;
  /** True for an upgrade probe: the connection carries data only after the client sends `u`. */
  probe: boolean;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  graceMs: number;
  maxMessageBytes: number;
  maxBatchBytes: number;
  /** Deepest JSON nesting the server accepts in `j` messages (absent from servers before it existed). */
  maxJsonDepth?: number;
  /** Cluster: the node that serves this connection (absent on a single server). */
  node?: string;
}

export type DataEnvelope =
  | { type: 'data'; seq: number; ack?: number; kind: 't' | 'j'; body: string }
  | { type: 'data'; seq: number; ack?: number; kind: 'b'; body: Uint8Array };

export type Envelope =
  | DataEnvelope
  | { type: 'ack'; ack: number }
  | { type: 'ping'; id?: number }
  | { type: 'pong'; id?: number }
  | { type: 'hello'; hello: Hello }
  | { type: 'close'; code: number; reason: string }
  | { type: 'upgrade' };

/** One encoded envelope as it goes on the wire: text frames are strings, binary frames bytes. */
export type Frame = string | Uint8Array;

const MAX_HEADER = 40; // kind + two 16-digit numbers, with room to spare
const SPACE = 0x20;
const COMMA = 0x2c;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** UTF-8 byte length: Buffer.byteLength on Node (native), a JS loop elsewhere. */
export function byteLength(frame: Frame): number {
  if (typeof frame !== 'string') return frame.byteLength;
  if (NodeBuffer) return NodeBuffer.byteLength(frame);
  let bytes = 0;
  for (let i = 0; i < frame.length; i++) {
    const c = frame.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (frame.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair; a lone surrogate encodes as U+FFFD, 3 bytes
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Whether a text's UTF-8 encoding fits `maxBytes`, without encoding or measuring it when its length
 * decides: a UTF-16 code unit encodes to 1–3 bytes.
 */
export function fitsBytes(text: string, maxBytes: number): boolean {
  if (text.length * 3 <= maxBytes) return true;
  return text.length <= maxBytes && byteLength(text) <= maxBytes;
}

function dataHeader(kind: string, seq: number, ack?: number): string {
  return ack === undefined ? `${kind}${seq} ` : `${kind}${seq},${ack} `;
}

/**
 * Encodes an envelope. `binary: false` means the channel carries text only (SSE): raw bytes are then
 * sent as base64 under kind `B`.
 */
export function encode(env: Envelope, binary = true): Frame {
  switch (env.type) {
    case 'data':
      if (env.kind !== 'b') return dataHeader(env.kind, env.seq, env.ack) + env.body;
      if (!binary) return dataHeader('B', env.seq, env.ack) + toBase64(env.body);
      return concatBytes(utf8(dataHeader('b', env.seq, env.ack)), env.body);
    case 'ack':
      return `a${env.ack}`;
    case 'ping':
      return env.id === undefined ? 'p' : `p${env.id}`;
    case 'pong':
      return env.id === undefined ? 'o' : `o${env.id}`;
    case 'hello':
      return `h ${JSON.stringify(env.hello)}`;
    case 'close':
      return `c${env.code} ${env.reason}`;
    case 'upgrade':
      return 'u';
  }
}

/** Decodes one frame. Throws TransportLabError('BAD_ENVELOPE') on anything malformed. */
export function decode(frame: Frame): Envelope {
  if (typeof frame === 'string') return decodeText(frame);
  if (frame.byteLength > 0 && frame[0] === 0x62 /* b */) {
    const space = frame.subarray(0, MAX_HEADER + 1).indexOf(SPACE);
    if (space < 0) throw bad('binary header has no space');
    const comma = frame.subarray(1, space).indexOf(COMMA);
    const seqEnd = comma < 0 ? space : comma + 1;
    const seq = numberAt(frame, 1, seqEnd);
    const ack = seqEnd < space ? numberAt(frame, seqEnd + 1, space) : undefined;
    return { type: 'data', kind: 'b', seq, ack, body: frame.subarray(space + 1) };
  }
  let text: string;
  try {
    text = utf8Decoder.decode(frame);
  } catch {
    throw bad('text envelope is not valid UTF-8');
  }
  return decodeText(text);
}

/** Decodes a text envelope; header numbers are read in place (no slices of the header). */
function decodeText(text: string): Envelope {
  const kind = text[0];
  const space = text.indexOf(' ');
  const end = space < 0 ? text.length : space; // the header is text[1, end)
  if (end - 1 > MAX_HEADER) throw bad('header too long');
  switch (kind) {
    case 't':
    case 'j':
    case 'B': {
      if (space < 0) throw bad('data envelope has no body separator');
      let seqEnd = 1;
      while (seqEnd < end && text.charCodeAt(seqEnd) !== COMMA) seqEnd++;
      const seq = numberAt(text, 1, seqEnd);
      const ack = seqEnd < end ? numberAt(text, seqEnd + 1, end) : undefined;
      const body = text.slice(space + 1);
      if (kind === 'B') return { type: 'data', kind: 'b', seq, ack, body: fromBase64(body) };
      return { type: 'data', kind, seq, ack, body };
    }
    case 'a':
      return { type: 'ack', ack: numberAt(text, 1, end) };
    case 'p':
    case 'o': {
      if (space >= 0) throw bad('ping/pong carries no body');
      const id = end === 1 ? undefined : numberAt(text, 1, end);
      return kind === 'p' ? { type: 'ping', id } : { type: 'pong', id };
    }
    case 'h':
      if (end !== 1 || space < 0) throw bad('malformed hello');
      try {
        return { type: 'hello', hello: JSON.parse(text.slice(space + 1)) as Hello };
      } catch {
        throw bad('hello is not JSON');
      }
    case 'c':
      return { type: 'close', code: numberAt(text, 1, end), reason: space < 0 ? '' : text.slice(space + 1) };
    case 'u':
      if (text !== 'u') throw bad('upgrade carries nothing');
      return { type: 'upgrade' };
    default:
      throw bad(`unknown kind ${JSON.stringify(kind ?? '')}`);
  }
}

/** The decimal number in text[from, to) (or those bytes): 1–15 ASCII digits. */
function numberAt(source: string | Uint8Array, from: number, to: number): number {
  const text = typeof source === 'string';
  if (to <= from || to - from > 15) throw badNumber(source, from, to);
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = (text ? source.charCodeAt(i) : source[i]) - 48;
    if (d < 0 || d > 9) throw badNumber(source, from, to);
    n = n * 10 + d;
  }
  return n;
}

function badNumber(source: string | Uint8Array, from: number, to: number): TransportLabError {
  const digits =
    typeof source === 'string' ? source.slice(from, to) : String.fromCharCode(...source.subarray(from, to));
  return bad(`bad number ${JSON.stringify(digits)}`);
}

function bad(detail: string): TransportLabError {
  return new TransportLabError('BAD_ENVELOPE', `Malformed envelope: ${detail}`);
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

type BufferLike = {
  from(data: Uint8Array | string, enc?: string): Uint8Array & { toString(enc: string): string };
  from(data: ArrayBufferLike, offset: number, length: number): Uint8Array & { toString(enc: string): string };
  byteLength(text: string): number;
};
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

export function toBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw bad('body is not base64');
  if (NodeBuffer) {
    const buffer = NodeBuffer.from(text, 'base64');
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
