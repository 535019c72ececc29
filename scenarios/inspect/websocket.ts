/**
 * WebSocket (RFC 6455) for the inspector: the opening handshake's key and the Sec-WebSocket-Accept
 * derivation (§4.2.2: base64(SHA-1(key + GUID)), checked against what the server sent), and one
 * record per frame with its fields named as in §5.2 — fin, rsv1-3, opcode, mask, payloadLength (and
 * which of the 7-bit, 16-bit, 64-bit forms), maskingKey, the masked and unmasked payload, close
 * status code and reason.
 *
 * Categories follow the wire meter (scenarios/meter/websocket.ts): a data frame's header is
 * `framing`; a close/ping/pong frame, header and payload, is `control`; data messages (reassembled
 * across continuation frames) are split by the dialect's annotator; a compressed message (RSV1,
 * permessage-deflate) is `payload` as a whole.
 */
import { createHash } from 'node:crypto';
import type { HttpHead } from '../network/http1.js';
import { isUpgradeRequest } from '../network/http1.js';
import { clip, type Field, hex, MessageHold, type RecordBuilder } from './record.js';
import type { MessageAnnotator } from './message.js';

export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** §4.2.2 step by step: what the server must answer to `key`. */
export function acceptFor(key: string): { concatenated: string; sha1: string; accept: string } {
  const concatenated = key + WEBSOCKET_GUID;
  const digest = createHash('sha1').update(concatenated, 'latin1').digest();
  return { concatenated, sha1: digest.toString('hex'), accept: digest.toString('base64') };
}

const line = (lines: Field[], name: string) => lines.find((l) => l.name.toLowerCase() === name)?.at;

/** The handshake fields of a head: the client's key, or the server's answer with the Accept check. */
export function handshakeFields(head: HttpHead, request: HttpHead | undefined, lines: Field[]): Field[] {
  if (head.method !== undefined) {
    if (!isUpgradeRequest(head)) return [];
    const key = head.headers.get('sec-websocket-key') ?? '';
    return [
      {
        name: 'Sec-WebSocket-Key',
        value: key,
        text: `${key}  (${Buffer.from(key, 'base64').length} random bytes, base64)`,
        at: line(lines, 'sec-websocket-key'),
      },
    ];
  }
  if (!request || !isUpgradeRequest(request)) return [];
  if (head.status !== 101)
    return [{ name: 'upgrade', value: false, text: `refused: ${head.startLine} (no WebSocket on this connection)` }];
  const key = request.headers.get('sec-websocket-key') ?? '';
  const sent = head.headers.get('sec-websocket-accept') ?? '';
  const steps = acceptFor(key);
  const matches = steps.accept === sent;
  return [
    {
      name: 'Sec-WebSocket-Accept',
      value: sent,
      text: `${sent}  ${matches ? '✓ verified' : `✗ expected ${steps.accept}`}`,
      at: line(lines, 'sec-websocket-accept'),
      children: [
        { name: 'key', value: key, text: `${key}  (the client's Sec-WebSocket-Key)` },
        { name: 'guid', value: WEBSOCKET_GUID, text: `${WEBSOCKET_GUID}  (fixed by RFC 6455)` },
        { name: 'key + guid', value: steps.concatenated },
        { name: 'SHA-1', value: steps.sha1, text: `${steps.sha1}  (20 bytes, hex)` },
        { name: 'base64', value: steps.accept },
        { name: 'received', value: sent },
        { name: 'matches', value: matches, text: matches ? 'yes: the server read this handshake' : 'NO' },
      ],
    },
  ];
}

export const OPCODES: Record<number, string> = {
  0x0: 'continuation',
  0x1: 'text',
  0x2: 'binary',
  0x8: 'close',
  0x9: 'ping',
  0xa: 'pong',
};

export interface FrameHeader {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  mask: boolean;
  payloadLength: number;
  lengthForm: '7-bit' | '16-bit' | '64-bit';
  maskingKey: Buffer | null;
  headerLength: number;
}

/** Header bytes a frame needs, judged from what has arrived (≥ 2 bytes known: the exact figure). */
export function headerBytesNeeded(header: Uint8Array, have: number): number {
  if (have < 2) return 2;
  const len7 = header[1] & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (header[1] & 0x80 ? 4 : 0);
}

/** Parses a complete frame header (headerBytesNeeded bytes). */
export function parseFrameHeader(h: Buffer): FrameHeader {
  const len7 = h[1] & 0x7f;
  const extra = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  const mask = (h[1] & 0x80) !== 0;
  return {
    fin: (h[0] & 0x80) !== 0,
    rsv1: (h[0] & 0x40) !== 0,
    rsv2: (h[0] & 0x20) !== 0,
    rsv3: (h[0] & 0x10) !== 0,
    opcode: h[0] & 0x0f,
    mask,
    payloadLength: len7 === 126 ? h.readUInt16BE(2) : len7 === 127 ? Number(h.readBigUInt64BE(2)) : len7,
    lengthForm: len7 === 126 ? '16-bit' : len7 === 127 ? '64-bit' : '7-bit',
    maskingKey: mask ? Buffer.from(h.subarray(2 + extra, 6 + extra)) : null,
    headerLength: 2 + extra + (mask ? 4 : 0),
  };
}

const LENGTH_FORM = {
  '7-bit': 'the 7-bit form',
  '16-bit': 'the 16-bit form: 126, then 2 bytes',
  '64-bit': 'the 64-bit form: 127, then 8 bytes',
};

/** The §5.2 fields of a frame header; `at` ranges relative to the frame's first byte. */
export function frameHeaderFields(h: FrameHeader): Field[] {
  const bit = (name: string, value: boolean, mask: string): Field => ({
    name,
    value,
    text: `${value ? 1 : 0}  (byte 0 & ${mask})`,
    at: [0, 1],
  });
  const ext = h.lengthForm === '7-bit' ? 0 : h.lengthForm === '16-bit' ? 2 : 8;
  const len7 = h.lengthForm === '7-bit' ? h.payloadLength : h.lengthForm === '16-bit' ? 126 : 127;
  return [
    bit('fin', h.fin, '0x80'),
    bit('rsv1', h.rsv1, '0x40'),
    bit('rsv2', h.rsv2, '0x20'),
    bit('rsv3', h.rsv3, '0x10'),
    {
      name: 'opcode',
      value: h.opcode,
      text: `0x${h.opcode.toString(16)} ${OPCODES[h.opcode] ?? 'reserved'}  (byte 0 & 0x0f)`,
      at: [0, 1],
    },
    {
      name: 'mask',
      value: h.mask,
      text: `${h.mask ? 1 : 0}  (byte 1 & 0x80)${h.mask ? ': client → server frames are masked' : ''}`,
      at: [1, 2],
    },
    {
      name: 'payloadLength',
      value: h.payloadLength,
      text: `${h.payloadLength}  (${LENGTH_FORM[h.lengthForm]}; byte 1 & 0x7f = ${len7})`,
      at: [1, 2 + ext],
    },
    {
      name: 'maskingKey',
      value: h.maskingKey ? h.maskingKey.toString('hex') : null,
      text: h.maskingKey ? hex(h.maskingKey) : 'none',
      ...(h.maskingKey ? { at: [2 + ext, 6 + ext] as [number, number] } : {}),
    },
  ];
}

/** A close frame's payload (unmasked): status code and reason. */
export function closeFields(payload: Buffer): Field[] {
  if (payload.length < 2) return [{ name: 'statusCode', value: null, text: 'none (no status code)' }];
  const code = payload.readUInt16BE(0);
  return [
    { name: 'statusCode', value: code, text: `${code}` },
    { name: 'reason', value: payload.subarray(2).toString('utf8') },
  ];
}

/** Where the reader puts its records (connection.ts). */
export interface RecordSink {
  open(protocol: 'websocket' | 'bytes'): RecordBuilder;
}

interface Frame {
  header: FrameHeader;
  record: RecordBuilder;
  left: number;
  offset: number;
  /** Unmasked payload bytes kept for the fields (close code, previews). */
  preview: Buffer[];
  previewLength: number;
}

const PREVIEW = 128;

/** One direction of a WebSocket connection, after the 101: one record per frame. */
export class WebSocketReader {
  private header = Buffer.alloc(14);
  private headerLength = 0;
  private frame: Frame | null = null;
  private message: { hold: MessageHold; binary: boolean; compressed: boolean } | null = null;

  constructor(
    private readonly sink: RecordSink,
    private readonly annotate: MessageAnnotator,
  ) {}

  push(bytes: Buffer): void {
    let at = 0;
    while (at < bytes.length) at = this.frame ? this.readPayload(bytes, at) : this.readHeader(bytes, at);
  }

  /** End of stream: a partial header is framing; a partial message is annotated as it stands. */
  finish(): void {
    if (this.headerLength > 0) {
      const record = this.sink.open('bytes');
      record.add(this.header.subarray(0, this.headerLength), 'framing', 'partial frame header');
      record.summary = `partial WebSocket frame header (${this.headerLength} B) at the end of the stream`;
      record.complete = true;
      this.headerLength = 0;
    }
    if (this.frame) this.endFrame(true);
    this.endMessage(null);
  }

  private readHeader(bytes: Buffer, at: number): number {
    while (at < bytes.length && this.headerLength < headerBytesNeeded(this.header, this.headerLength))
      this.header[this.headerLength++] = bytes[at++];
    if (this.headerLength < headerBytesNeeded(this.header, this.headerLength)) return at;
    const raw = Buffer.from(this.header.subarray(0, this.headerLength));
    this.headerLength = 0;
    const header = parseFrameHeader(raw);
    const control = header.opcode >= 8;
    const record = this.sink.open('websocket');
    const category = control ? 'control' : 'framing';
    const ext = header.headerLength - 2 - (header.mask ? 4 : 0);
    record.add(raw.subarray(0, 1), category, 'FIN, RSV1-3, opcode');
    record.add(raw.subarray(1, 2 + ext), category, 'MASK, payload length');
    if (header.maskingKey) record.add(header.maskingKey, category, 'masking key');
    if (!control && (header.opcode !== 0 || !this.message)) {
      this.endMessage(null); // a new message while one was open: close the old one out
      this.message = { hold: new MessageHold(), binary: header.opcode === 2, compressed: header.rsv1 };
    }
    this.frame = { header, record, left: header.payloadLength, offset: 0, preview: [], previewLength: 0 };
    if (header.payloadLength === 0) this.endFrame(false);
    return at;
  }

  private readPayload(bytes: Buffer, at: number): number {
    const f = this.frame!;
    const n = Math.min(f.left, bytes.length - at);
    const chunk = bytes.subarray(at, at + n);
    const control = f.header.opcode >= 8;
    if (control) f.record.add(chunk, 'control', `${OPCODES[f.header.opcode] ?? 'control'} payload`);
    else if (this.message!.compressed) f.record.add(chunk, 'payload', 'compressed payload (permessage-deflate)');
    else this.message!.hold.push(f.record.hold(chunk), 0, chunk, f.header.maskingKey, f.offset);
    if (f.previewLength < PREVIEW) {
      const part = Buffer.from(chunk.subarray(0, PREVIEW - f.previewLength));
      if (f.header.maskingKey) for (let i = 0; i < part.length; i++) part[i] ^= f.header.maskingKey[(f.offset + i) & 3];
      f.preview.push(part);
      f.previewLength += part.length;
    }
    f.left -= n;
    f.offset += n;
    if (f.left === 0) this.endFrame(false);
    return at + n;
  }

  private endFrame(truncated: boolean): void {
    const f = this.frame!;
    this.frame = null;
    const h = f.header;
    const name = OPCODES[h.opcode] ?? `reserved opcode 0x${h.opcode.toString(16)}`;
    const payload = Buffer.concat(f.preview);
    const fields = frameHeaderFields(h);
    const payloadAt: [number, number] = [h.headerLength, h.headerLength + f.offset];
    const data: Field = { name: 'payloadData', value: f.offset, text: `${f.offset} B`, at: payloadAt, children: [] };
    if (h.maskingKey) {
      const masked = Buffer.from(payload);
      for (let i = 0; i < masked.length; i++) masked[i] ^= h.maskingKey[i & 3];
      data.children!.push({ name: 'masked', value: masked.toString('hex'), text: hex(masked), at: payloadAt });
    }
    const binary = h.opcode === 2 || (h.opcode === 0 && this.message?.binary === true);
    const text = payload.toString('utf8');
    data.children!.push({
      name: h.maskingKey ? 'unmasked' : 'bytes',
      value: binary ? payload.toString('hex') : text,
      text: binary ? hex(payload) : text + (f.offset > payload.length ? '…' : ''),
      at: payloadAt,
    });
    fields.push(data);
    let summary = `${name}${h.fin ? '' : ', not final'}${h.mask ? ', masked' : ''}, ${f.offset} B payload`;
    if (h.opcode === 8) {
      const close = closeFields(payload);
      fields.push(...close);
      summary =
        `close ${close[0].value ?? '(no status code)'} ${close[1]?.value ?? ''}`.trim() + (h.mask ? ', masked' : '');
    }
    if (h.opcode < 8 && !h.fin) summary += ` · ${clip(binary ? hex(payload, 16) : text, 40)} (the message continues)`;
    if (truncated) summary += ` — stream ended ${f.left} B short`;
    f.record.fields.push(...fields);
    f.record.summary = summary;
    f.record.complete = true;
    if (h.opcode < 8 && (h.fin || truncated)) this.endMessage(f.record);
  }

  /** Settles the open message; its fields go to `last` (the frame that ended it), if given. */
  private endMessage(last: RecordBuilder | null): void {
    const m = this.message;
    this.message = null;
    if (!m || m.compressed) return;
    const annotation = this.annotate(m.hold.sample, m.binary);
    m.hold.settle(annotation.layout);
    if (!last || annotation.fields.length === 0) return;
    last.fields.push(m.hold.field(last, annotation));
    last.summary += ` · ${annotation.summary}`;
  }
}
