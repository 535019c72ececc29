/**
 * HTTP/2 under the wire meter (the plaintext of a TLS connection whose ALPN chose h2): frames
 * (RFC 9113 §4) of both directions, header blocks decoded with HPACK (hpack.js, one decoder per
 * direction: each side has its own dynamic table), and each stream's heads and body classified as an
 * HTTP/1.1 message with the same heads would be (dissector.ts `isSetup`, `bodyFor`):
 *
 *   HEADERS + CONTINUATION frames whole → handshake (an SSE stream's request and response) or
 *     httpHeaders (every other head: polls, POSTs, their answers, trailers);
 *   DATA frames: the 9-byte header and padding → framing; the content → the stream's body dissector
 *     (SSE, batch, message…), which splits it into framing, envelope, control and payload;
 *   SETTINGS, WINDOW_UPDATE, PING, PRIORITY, RST_STREAM, GOAWAY, PUSH_PROMISE and the client's
 *     connection preface → framing.
 *
 * Beside the categories, `http2` counts the same bytes by frame type (results.ts Http2Frames).
 */
import hpack from 'hpack.js';
import type { Dialect } from '../contenders.js';
import type { HttpHead } from '../network/http1.js';
import type { ByteBreakdown } from '../results.js';
import type { BodyDissector } from './bodies.js';
import { bodyFor, CLASSIFIERS, isSetup } from './dissector.js';
import { emptyHttp2Frames, Tally } from './tally.js';
import type { PlaintextDissector } from './tls.js';

type Direction = 'upstream' | 'downstream';

const FRAME_HEADER = 9;
const PREFACE = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
const TYPE = { data: 0, headers: 1, rstStream: 3, settings: 4, ping: 6, windowUpdate: 8, continuation: 9 } as const;
const FLAG = { endStream: 0x1, endHeaders: 0x4, padded: 0x8, priority: 0x20 } as const;

interface Stream {
  request?: HttpHead;
  /** Each direction's body, from its (final) head on; a later head in that direction is a trailer. */
  bodies: Partial<Record<Direction, BodyDissector>>;
  /** Directions that sent END_STREAM: the stream is forgotten once both did (or on RST_STREAM). */
  ended: Set<Direction>;
}

interface Side {
  tally: Tally;
  frames: ReturnType<typeof emptyHttp2Frames>;
  buffered: Buffer;
  decoder: ReturnType<typeof hpack.decompressor.create>;
  /** A header block spread over HEADERS + CONTINUATION: its stream, fragments, frame bytes, END_STREAM. */
  block: { stream: number; fragments: Buffer[]; bytes: number; endStream: boolean } | null;
  prefaceLeft: number;
}

export class Http2Dissector implements PlaintextDissector {
  private readonly classify;
  private readonly streams = new Map<number, Stream>();
  /** Requests (client header blocks, trailers aside) that were not a stream's setup: polls, POSTs. */
  requests = 0;
  private readonly sides: Record<Direction, Side> = {
    upstream: this.side(PREFACE),
    downstream: this.side(0),
  };

  constructor(private readonly dialect: Dialect) {
    this.classify = CLASSIFIERS[dialect];
  }

  upstream(bytes: Buffer): void {
    this.push('upstream', bytes);
  }

  downstream(bytes: Buffer): void {
    this.push('downstream', bytes);
  }

  finish(): void {
    for (const id of [...this.streams.keys()]) this.forget(id);
    for (const side of Object.values(this.sides)) {
      side.tally.add('framing', side.buffered.length + (side.block?.bytes ?? 0)); // cut short
      side.buffered = Buffer.alloc(0);
      side.block = null;
    }
  }

  breakdown(direction: Direction): ByteBreakdown {
    const side = this.sides[direction];
    const out: ByteBreakdown = { ...side.tally.counts, http2: { ...side.frames } };
    const held: Array<[keyof ByteBreakdown & string, number]> = [
      ['framing', side.buffered.length],
      ['httpHeaders', side.block?.bytes ?? 0],
    ];
    for (const stream of this.streams.values())
      if (!stream.ended.has(direction)) held.push(...(stream.bodies[direction]?.pending() ?? []));
    for (const [category, bytes] of held) {
      (out[category] as number) += bytes;
      out.total += bytes;
    }
    return out;
  }

  private side(prefaceLeft: number): Side {
    return {
      tally: new Tally(),
      frames: emptyHttp2Frames(),
      buffered: Buffer.alloc(0),
      decoder: createDecoder(),
      block: null,
      prefaceLeft,
    };
  }

  private push(direction: Direction, bytes: Buffer): void {
    const side = this.sides[direction];
    if (side.prefaceLeft > 0) {
      const preface = Math.min(side.prefaceLeft, bytes.length);
      side.prefaceLeft -= preface;
      side.tally.add('framing', preface);
      side.frames.other += preface;
      bytes = bytes.subarray(preface);
    }
    side.buffered = side.buffered.length ? Buffer.concat([side.buffered, bytes]) : bytes;
    while (side.buffered.length >= FRAME_HEADER) {
      const length = FRAME_HEADER + side.buffered.readUIntBE(0, 3);
      if (side.buffered.length < length) break;
      const frame = side.buffered.subarray(0, length);
      side.buffered = side.buffered.subarray(length);
      this.frame(direction, frame);
    }
  }

  private frame(direction: Direction, frame: Buffer): void {
    const side = this.sides[direction];
    const [type, flags] = [frame[3], frame[4]];
    const streamId = frame.readUInt32BE(5) & 0x7fffffff;
    const payload = frame.subarray(FRAME_HEADER);
    switch (type) {
      case TYPE.data: {
        const pad = flags & FLAG.padded ? 1 + payload[0] : 0;
        const content = payload.subarray(flags & FLAG.padded ? 1 : 0, payload.length - (pad > 0 ? pad - 1 : 0));
        side.tally.add('framing', frame.length - content.length);
        side.frames.data += frame.length - content.length;
        const stream = this.streams.get(streamId);
        const body = stream?.bodies[direction];
        if (body) body.push(Buffer.from(content));
        else side.tally.add('framing', content.length); // a stream we never saw open
        if (flags & FLAG.endStream) this.endStream(direction, streamId);
        return;
      }
      case TYPE.headers: {
        let at = 0;
        let pad = 0;
        if (flags & FLAG.padded) pad = payload[at++];
        if (flags & FLAG.priority) at += 5;
        side.block = { stream: streamId, fragments: [], bytes: 0, endStream: (flags & FLAG.endStream) !== 0 };
        this.fragment(direction, frame, payload.subarray(at, payload.length - pad), flags);
        return;
      }
      case TYPE.continuation:
        if (side.block) return this.fragment(direction, frame, payload, flags);
        break;
    }
    side.tally.add('framing', frame.length);
    if (type === TYPE.rstStream) this.forget(streamId);
    if (type === TYPE.settings) side.frames.settings += frame.length;
    else if (type === TYPE.windowUpdate) side.frames.windowUpdate += frame.length;
    else if (type === TYPE.ping) side.frames.ping += frame.length;
    else side.frames.other += frame.length;
  }

  /** One HEADERS or CONTINUATION frame of a header block; at END_HEADERS the block is decoded and counted. */
  private fragment(direction: Direction, frame: Buffer, fragment: Buffer, flags: number): void {
    const side = this.sides[direction];
    const block = side.block!;
    block.fragments.push(Buffer.from(fragment));
    block.bytes += frame.length;
    side.frames.headers += frame.length;
    if (!(flags & FLAG.endHeaders)) return;
    side.block = null;
    const head = this.decode(side, Buffer.concat(block.fragments), direction);
    const stream = this.streams.get(block.stream) ?? { bodies: {}, ended: new Set<Direction>() };
    this.streams.set(block.stream, stream);
    const trailers = stream.bodies[direction] !== undefined;
    const request = direction === 'downstream' ? stream.request : undefined;
    const setup = !trailers && isSetup(head, request);
    side.tally.add(setup ? 'handshake' : 'httpHeaders', block.bytes);
    if (direction === 'upstream' && !trailers && !setup) this.requests++;
    if (!trailers && !(direction === 'downstream' && head.status !== undefined && head.status < 200)) {
      if (direction === 'upstream') stream.request = head;
      stream.bodies[direction] = bodyFor(this.dialect, this.classify, side.tally, head, request);
    }
    if (block.endStream) this.endStream(direction, block.stream);
  }

  private decode(side: Side, block: Buffer, direction: Direction): HttpHead {
    const headers = new Map<string, string>();
    let failed = false;
    side.decoder.once('error', () => (failed = true));
    side.decoder.write(block);
    side.decoder.execute();
    side.decoder.removeAllListeners('error');
    // A block that does not decode leaves the table unknown: later heads of this side go unread (no
    // content type: their bodies count as control), their bytes still counted.
    if (failed) side.decoder = brokenDecoder;
    for (let field = side.decoder.read(); field; field = side.decoder.read()) {
      const previous = headers.get(field.name);
      headers.set(field.name, previous === undefined ? field.value : `${previous}, ${field.value}`);
    }
    const status = headers.get(':status');
    return direction === 'upstream'
      ? {
          startLine: `${headers.get(':method')} ${headers.get(':path')} HTTP/2`,
          method: headers.get(':method'),
          target: headers.get(':path'),
          headers,
        }
      : { startLine: `HTTP/2 ${status}`, status: Number(status), headers };
  }

  private endStream(direction: Direction, streamId: number): void {
    const stream = this.streams.get(streamId);
    if (!stream || stream.ended.has(direction)) return;
    stream.ended.add(direction);
    stream.bodies[direction]?.finish();
    if (stream.ended.size === 2) this.streams.delete(streamId);
  }

  /** A reset stream: what its bodies hold is counted as it stands. */
  private forget(streamId: number): void {
    const stream = this.streams.get(streamId);
    if (!stream) return;
    for (const direction of ['upstream', 'downstream'] as const)
      if (!stream.ended.has(direction)) stream.bodies[direction]?.finish();
    this.streams.delete(streamId);
  }
}

/**
 * An HPACK decoder that follows the sender's dynamic table size updates up to any size (a meter
 * reads what was sent; the peer's SETTINGS_HEADER_TABLE_SIZE bound is the endpoints' to enforce),
 * starting from the 4,096 bytes every HTTP/2 connection starts with.
 */
function createDecoder(): Side['decoder'] {
  const decoder = hpack.decompressor.create({ table: { maxSize: 1 << 24 } });
  decoder.updateTableSize(4096);
  return decoder;
}

/** Stands in for a decoder that failed: reads nothing. */
const brokenDecoder = {
  write() {},
  execute() {},
  read: () => null,
  once() {},
  removeAllListeners() {},
  updateTableSize() {},
} as unknown as Side['decoder'];
