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
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

export function byteLength(frame: Frame): number {
  if (typeof frame !== 'string') return frame.byteLength;
  let bytes = 0;
  for (let i = 0; i < frame.length; i++) {
    const c = frame.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < frame.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
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
    const [seq, ack] = parseHeader(String.fromCharCode(...frame.subarray(1, space)));
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

function decodeText(text: string): Envelope {
  const kind = text[0];
  const space = text.indexOf(' ');
  const header = space < 0 ? text.slice(1) : text.slice(1, space);
  if (header.length > MAX_HEADER) throw bad('header too long');
  const body = space < 0 ? undefined : text.slice(space + 1);
  switch (kind) {
    case 't':
    case 'j':
    case 'B': {
      if (body === undefined) throw bad('data envelope has no body separator');
      const [seq, ack] = parseHeader(header);
      if (kind === 'B') return { type: 'data', kind: 'b', seq, ack, body: fromBase64(body) };
      return { type: 'data', kind, seq, ack, body };
    }
    case 'a':
      return { type: 'ack', ack: parseNumber(header) };
    case 'p':
    case 'o': {
      if (body !== undefined) throw bad('ping/pong carries no body');
      const id = header === '' ? undefined : parseNumber(header);
      return kind === 'p' ? { type: 'ping', id } : { type: 'pong', id };
    }
    case 'h':
      if (header !== '' || body === undefined) throw bad('malformed hello');
      try {
        return { type: 'hello', hello: JSON.parse(body) as Hello };
      } catch {
        throw bad('hello is not JSON');
      }
    case 'c':
      return { type: 'close', code: parseNumber(header), reason: body ?? '' };
    case 'u':
      if (text !== 'u') throw bad('upgrade carries nothing');
      return { type: 'upgrade' };
    default:
      throw bad(`unknown kind ${JSON.stringify(kind ?? '')}`);
  }
}

function parseHeader(header: string): [number, number | undefined] {
  const comma = header.indexOf(',');
  if (comma < 0) return [parseNumber(header), undefined];
  return [parseNumber(header.slice(0, comma)), parseNumber(header.slice(comma + 1))];
}

function parseNumber(digits: string): number {
  if (digits.length === 0 || digits.length > 15) throw bad(`bad number ${JSON.stringify(digits)}`);
  let n = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw bad(`bad number ${JSON.stringify(digits)}`);
    n = n * 10 + d;
  }
  return n;
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
