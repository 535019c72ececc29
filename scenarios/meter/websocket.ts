/**
 * Passive WebSocket (RFC 6455) frame dissector for one direction. Frame headers (2, 4 or 10 bytes,
 * plus the 4-byte mask on client frames) = framing; close/ping/pong frames (header and payload) =
 * control; data messages (reassembled across continuation frames) go to the dialect's classifier.
 * Compressed messages (permessage-deflate, RSV1) count as payload: after compression the envelope
 * header cannot be separated from the data.
 */
import type { MessageClassifier } from './classify.js';
import { MessageSample, type Pending, type Tally } from './tally.js';

interface Frame {
  control: boolean;
  fin: boolean;
  mask: Buffer | null;
  left: number;
  offset: number;
}

export class WebSocketDissector {
  private header = Buffer.alloc(14);
  private headerLength = 0;
  private frame: Frame | null = null;
  private message: MessageSample | null = null;
  private binary = false;
  private compressed = false;

  constructor(
    private readonly tally: Tally,
    private readonly classify: MessageClassifier,
  ) {}

  push(bytes: Buffer): void {
    let at = 0;
    while (at < bytes.length) at = this.frame ? this.readPayload(bytes, at) : this.readHeader(bytes, at);
  }

  pending(): Pending {
    return [
      ['framing', this.headerLength],
      ['payload', this.message?.length ?? 0],
    ];
  }

  /** End of stream: a partial header counts as framing, a partial message is classified as is. */
  finish(): void {
    this.tally.add('framing', this.headerLength);
    this.headerLength = 0;
    this.endMessage();
    this.frame = null;
  }

  private needed(): number {
    if (this.headerLength < 2) return 2;
    const len7 = this.header[1] & 0x7f;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (this.header[1] & 0x80 ? 4 : 0);
  }

  private readHeader(bytes: Buffer, at: number): number {
    while (at < bytes.length && this.headerLength < this.needed()) this.header[this.headerLength++] = bytes[at++];
    if (this.headerLength < this.needed()) return at;
    const h = this.header;
    const opcode = h[0] & 0x0f;
    const len7 = h[1] & 0x7f;
    const extra = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    const length = len7 === 126 ? h.readUInt16BE(2) : len7 === 127 ? Number(h.readBigUInt64BE(2)) : len7;
    const mask = h[1] & 0x80 ? Buffer.from(h.subarray(2 + extra, 6 + extra)) : null;
    const control = opcode >= 8;
    this.tally.add(control ? 'control' : 'framing', this.headerLength);
    this.headerLength = 0;
    if (!control && (opcode !== 0 || !this.message)) {
      this.endMessage(); // a new message while one was open: close the old one out
      this.message = new MessageSample();
      this.binary = opcode === 2;
      this.compressed = (h[0] & 0x40) !== 0;
    }
    this.frame = { control, fin: (h[0] & 0x80) !== 0, mask, left: length, offset: 0 };
    if (length === 0) this.endFrame();
    return at;
  }

  private readPayload(bytes: Buffer, at: number): number {
    const f = this.frame!;
    const n = Math.min(f.left, bytes.length - at);
    if (f.control) this.tally.add('control', n);
    else if (this.compressed) this.tally.add('payload', n);
    else this.message!.push(bytes.subarray(at, at + n), f.mask, f.offset);
    f.left -= n;
    f.offset += n;
    if (f.left === 0) this.endFrame();
    return at + n;
  }

  private endFrame(): void {
    const f = this.frame!;
    this.frame = null;
    if (!f.control && f.fin) this.endMessage();
  }

  private endMessage(): void {
    const m = this.message;
    this.message = null;
    if (!m) return;
    if (this.compressed) return; // its bytes were counted as payload as they came
    this.classify(m, this.binary, this.tally);
  }
}
