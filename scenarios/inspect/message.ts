/**
 * What the inspector does with one message and with an HTTP body, per dialect (whose messages run
 * on the connection: ours, Socket.IO, or plain ws — scenarios/meter/dissector.ts). Body readers
 * write into the HTTP message's record; the protocol-specific ones are in polling.ts (our batches),
 * engineio.ts (Engine.IO payloads) and sse.ts (event streams).
 */
import type { Dialect } from '../meter/dissector.js';
import type { Category, MessageSample } from '../meter/tally.js';
import { annotateSocketIo } from './engineio.js';
import { annotateEnvelope } from './envelope.js';
import { type Annotation, type BodyReader, clip, MessageHold, type RecordBuilder, sampleText } from './record.js';

/** `binary`: the message came in a binary WebSocket frame. */
export type MessageAnnotator = (message: MessageSample, binary: boolean) => Annotation;

export function annotateRaw(m: MessageSample, binary: boolean): Annotation {
  const preview = binary ? Buffer.from(m.head.subarray(0, Math.min(32, m.headLength))).toString('hex') : sampleText(m);
  return {
    layout: [{ length: m.length, category: 'payload', label: 'payload (no envelope)' }],
    fields: [{ name: 'payload', value: preview, text: `${m.length} B: ${clip(preview, 120)}`, at: [0, m.length] }],
    summary: binary ? `${m.length} bytes` : clip(preview, 48),
  };
}

export const ANNOTATORS: Record<Dialect, MessageAnnotator> = {
  envelope: (m) => annotateEnvelope(m),
  socketio: annotateSocketIo,
  raw: annotateRaw,
};

/** A body of one category (error JSON = control, raw bodies = payload, unknown = framing). */
export function opaqueBody(record: RecordBuilder, category: Category, label: string): BodyReader {
  let length = 0;
  return {
    push(bytes) {
      length += bytes.length;
      record.add(bytes, category, label);
    },
    meta: (bytes) => void record.add(bytes, 'framing', 'chunked encoding'),
    finish() {
      if (length > 0) record.fields.push({ name: 'body', value: length, text: `${length} B (${label})` });
    },
    summary: () => (length ? `${length} B ${label}` : ''),
  };
}

/** A body that is one message (the "a<ack>" answer to an upstream POST). */
export function messageBody(record: RecordBuilder, annotate: MessageAnnotator): BodyReader {
  const hold = new MessageHold();
  let summary = '';
  return {
    push: (bytes) => hold.push(record.hold(bytes), 0, bytes),
    meta: (bytes) => void record.add(bytes, 'framing', 'chunked encoding'),
    finish() {
      const annotation = annotate(hold.sample, false);
      hold.settle(annotation.layout);
      summary = annotation.summary;
      if (hold.length > 0) record.fields.push(hold.field(record, annotation));
    },
    summary: () => summary,
  };
}
