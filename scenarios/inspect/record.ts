/**
 * Inspector records: one decoded unit of a connection's bytes — an HTTP message, a WebSocket frame,
 * an SSE event — as the demo page and `transport-lab inspect` show it. Every wire byte of a
 * connection lands in exactly one record and carries one of the wire meter's categories
 * (scenarios/meter/tally.ts), so a record's `breakdown` sums, over a connection, to what the meter
 * counts for the same bytes.
 *
 * A record keeps at most KEEP_BYTES of its wire bytes (for the hex view) and the spans over them;
 * its breakdown always covers all of its bytes. Bytes whose category depends on what follows (a
 * message's envelope header, an SSE line end that may join two data lines) are *held* in a
 * Placeholder and filled once the unit they belong to is complete; a record is ready when it is
 * complete and none of its bytes are still held.
 */
import type { ByteBreakdown } from '../results.js';
import { type Category, emptyBreakdown, MessageSample } from '../meter/tally.js';

export type Direction = 'upstream' | 'downstream';
export type FieldValue = string | number | boolean | null;

export interface Field {
  /** As the protocol's own spec names it (RFC 6455: fin, rsv1, opcode, mask, payloadLength, maskingKey…). */
  name: string;
  value: FieldValue;
  /** How to show the value when that differs from the value (e.g. "0x1 text"). */
  text?: string;
  /** This field's wire bytes within the record: [start, end). */
  at?: [number, number];
  children?: Field[];
}

export interface Span {
  start: number;
  end: number;
  category: Category;
  /** What these bytes are, e.g. "Sec-WebSocket-Key header", "masking key", "envelope header". */
  label: string;
}

export type Protocol = 'http' | 'websocket' | 'sse' | 'bytes';

export interface InspectRecord {
  /** Emission order, from 1 per inspector. */
  id: number;
  /** The proxy's connection id. */
  connection: number;
  /** upstream = client → server, downstream = server → client. */
  direction: Direction;
  /** Date.now() when the unit was complete. */
  at: number;
  protocol: Protocol;
  summary: string;
  /** Wire bytes of the unit. */
  length: number;
  /** Its first `kept` bytes, base64. */
  bytes: string;
  kept: number;
  /** Categories of the kept bytes, in order, covering [0, kept). */
  spans: Span[];
  /** Categories of all `length` bytes. */
  breakdown: ByteBreakdown;
  fields: Field[];
}

export const KEEP_BYTES = 2048;

/** Bytes of a record whose category is decided later (see MessageHold.settle). */
export class Placeholder {
  private filled = 0;
  readonly parts: Span[] = [];

  constructor(
    readonly record: RecordBuilder,
    readonly start: number,
    readonly length: number,
  ) {}

  /** Gives `length` bytes from `offset` (relative to this placeholder) a category. */
  fill(offset: number, length: number, category: Category, label: string): void {
    if (length <= 0) return;
    this.filled += length;
    this.record.settled(this.start + offset, length, category, label, this.parts);
  }

  get unfilled(): number {
    return this.length - this.filled;
  }
}

export class RecordBuilder {
  summary = '';
  readonly fields: Field[] = [];
  /** No more bytes will come for this unit (its holds may still be open). */
  complete = false;
  length = 0;
  private readonly kept: Buffer[] = [];
  private keptLength = 0;
  private readonly items: Array<Span | Placeholder> = [];
  private readonly breakdown = emptyBreakdown();

  constructor(
    readonly connection: number,
    readonly direction: Direction,
    readonly protocol: Protocol,
  ) {}

  /** Appends wire bytes of a known category; returns their range in the record. */
  add(bytes: Uint8Array, category: Category, label: string): [number, number] {
    const start = this.append(bytes);
    this.settled(start, bytes.length, category, label, this.items as Span[]);
    return [start, this.length];
  }

  /** Appends wire bytes whose category is decided later. */
  hold(bytes: Uint8Array): Placeholder {
    const start = this.append(bytes);
    const placeholder = new Placeholder(this, start, bytes.length);
    this.items.push(placeholder);
    return placeholder;
  }

  /** Counts settled bytes; keeps the span when it lies within the kept bytes (merging like neighbours). */
  settled(start: number, length: number, category: Category, label: string, into: Span[]): void {
    if (length <= 0) return;
    this.breakdown[category] += length;
    this.breakdown.total += length;
    if (start >= KEEP_BYTES) return;
    const end = Math.min(start + length, KEEP_BYTES);
    const last = into[into.length - 1];
    if (last && 'category' in last && last.end === start && last.category === category && last.label === label)
      last.end = end;
    else into.push({ start, end, category, label });
  }

  get ready(): boolean {
    return this.complete && this.items.every((i) => !(i instanceof Placeholder) || i.unfilled === 0);
  }

  /** Bytes still held; `fillHeld` gives them a category (used when a connection ends mid-unit). */
  fillHeld(category: Category, label: string): void {
    for (const item of this.items)
      if (item instanceof Placeholder && item.unfilled > 0)
        item.fill(item.length - item.unfilled, item.unfilled, category, label);
  }

  build(id: number, at: number): InspectRecord {
    const spans = this.items
      .flatMap((i) => (i instanceof Placeholder ? i.parts : [i]))
      .sort((a, b) => a.start - b.start);
    return {
      id,
      connection: this.connection,
      direction: this.direction,
      at,
      protocol: this.protocol,
      summary: this.summary,
      length: this.length,
      bytes: Buffer.concat(this.kept).toString('base64'),
      kept: this.keptLength,
      spans,
      breakdown: { ...this.breakdown },
      fields: this.fields,
    };
  }

  private append(bytes: Uint8Array): number {
    const start = this.length;
    this.length += bytes.length;
    const room = KEEP_BYTES - this.keptLength;
    if (room > 0) {
      const part = Buffer.from(bytes.subarray(0, room));
      this.kept.push(part);
      this.keptLength += part.length;
    }
    return start;
  }
}

/** One part of a message's layout: `length` bytes of one category, in message order. */
export interface LayoutPart {
  length: number;
  category: Category;
  label: string;
}

/** What a message annotator makes of one message: its byte layout, its fields (message offsets), a summary. */
export interface Annotation {
  layout: LayoutPart[];
  fields: Field[];
  summary: string;
}

/**
 * One application-level message (a WebSocket message, an SSE event's data, a batch frame) whose
 * bytes sit, held, in one or more records; `settle` gives them their categories once the message is
 * complete. `sample` is what the annotators read: the meter's bounded MessageSample (unmasked).
 */
export class MessageHold {
  readonly sample = new MessageSample();
  private readonly runs: Array<{ placeholder: Placeholder; offset: number; length: number }> = [];

  /** Message bytes `content` sit at `placeholder` (from `offset`); `mask`: WebSocket client frames. */
  push(placeholder: Placeholder, offset: number, content: Uint8Array, mask: Uint8Array | null = null, maskOffset = 0) {
    if (content.length === 0) return;
    this.runs.push({ placeholder, offset, length: content.length });
    this.sample.push(content, mask, maskOffset);
  }

  get length(): number {
    return this.sample.length;
  }

  /** Fills the held bytes with the layout's categories, in order; the layout must cover the message. */
  settle(layout: LayoutPart[]): void {
    let run = 0;
    let used = 0; // bytes of runs[run] already filled
    for (const part of layout) {
      let left = part.length;
      while (left > 0 && run < this.runs.length) {
        const r = this.runs[run];
        const n = Math.min(left, r.length - used);
        r.placeholder.fill(r.offset + used, n, part.category, part.label);
        left -= n;
        used += n;
        if (used === r.length) {
          run++;
          used = 0;
        }
      }
    }
    for (; run < this.runs.length; run++, used = 0) {
      const r = this.runs[run]; // a layout shorter than the message (a bug): still account for every byte
      r.placeholder.fill(r.offset + used, r.length - used, 'framing', 'unclassified');
    }
  }

  /** The wire range in `record` of message bytes [start, end), when they lie in that record. */
  wireRange(record: RecordBuilder, start: number, end: number): [number, number] | undefined {
    let at = 0;
    let from: number | undefined;
    let to: number | undefined;
    for (const r of this.runs) {
      if (r.placeholder.record === record) {
        const base = r.placeholder.start + r.offset;
        if (from === undefined && start >= at && start < at + r.length) from = base + (start - at);
        if (end > at && end <= at + r.length) to = base + (end - at);
      }
      at += r.length;
    }
    return from !== undefined && to !== undefined && to >= from ? [from, to] : undefined;
  }

  /** The message as one field of `record`: its length, summary and the annotation's fields. */
  field(record: RecordBuilder, annotation: Annotation, name = 'message'): Field {
    return {
      name,
      value: this.length,
      text: `${this.length} B: ${annotation.summary}`,
      children: this.place(record, annotation.fields),
    };
  }

  /** Copies an annotation's fields into `record`, their message offsets turned into wire ranges there. */
  place(record: RecordBuilder, fields: Field[]): Field[] {
    return fields.map((f) => ({
      ...f,
      at: f.at ? this.wireRange(record, f.at[0], f.at[1]) : undefined,
      children: f.children ? this.place(record, f.children) : undefined,
    }));
  }
}

/** The body of one HTTP message, written into that message's record. */
export interface BodyReader {
  /** Body bytes (chunked framing removed), in order. */
  push(bytes: Buffer): void;
  /** Transfer framing between body bytes: chunk-size lines, the CRLF after chunk data, trailers. */
  meta(bytes: Buffer): void;
  /** The body is complete (or the stream ended). */
  finish(): void;
  /** One line about the body, for the record's summary (after finish). */
  summary(): string;
}

/** Shortens text for a one-line summary. */
export function clip(text: string, max = 60): string {
  const flat = text.replace(/[\r\n\t]/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Message bytes [from, end) as text (as far as the sample goes): UTF-8, control characters as "·", "…" when cut. */
export function sampleText(m: MessageSample, from = 0, end = m.length, max = 256): string {
  const shown = Math.min(m.headLength, end, from + max);
  const text = Buffer.from(m.head.subarray(from, Math.max(from, shown)))
    .toString('utf8')
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '·'); // eslint-disable-line no-control-regex
  return end > shown ? `${text}…` : text;
}

export const hex = (bytes: Uint8Array, max = 32) =>
  Buffer.from(bytes.subarray(0, max))
    .toString('hex')
    .replace(/(..)(?=.)/g, '$1 ') + (bytes.length > max ? ' …' : '');
