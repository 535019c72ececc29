/**
 * Our batch framing (protocol/batch.ts), the body of every long-poll answer and upstream POST:
 *
 *   batch = *( length ":" frame )
 *
 * Each "<length>:" prefix is `framing`; each frame is one envelope, annotated by the dialect. Bytes
 * that do not parse as a batch are `framing` from there on (the wire meter's rule,
 * scenarios/meter/bodies.ts). The first MAX_LISTED frames are listed in the record's fields; all
 * are counted.
 */
import type { MessageAnnotator } from './message.js';
import { type BodyReader, type Field, MessageHold, type RecordBuilder } from './record.js';

const COLON = 0x3a;
const MAX_LISTED = 16;

export function batchBody(record: RecordBuilder, annotate: MessageAnnotator): BodyReader {
  let prefix: number[] = []; // the current "<length>:" so far
  let length = 0;
  let left = -1; // bytes of the current frame still to come; -1 while reading a prefix
  let prefixAt: [number, number] | undefined;
  let junk = false;
  let hold: MessageHold | null = null;
  const frames: Field[] = [];
  const summaries: string[] = [];
  let count = 0;

  const addPrefix = () => {
    prefixAt = prefix.length ? record.add(Buffer.from(prefix), 'framing', 'batch length prefix') : undefined;
    prefix = [];
  };
  const endFrame = () => {
    const annotation = annotate(hold!.sample, false);
    hold!.settle(annotation.layout);
    count++;
    if (frames.length < MAX_LISTED) {
      const field = hold!.field(record, annotation, `frame ${count}`);
      field.text = `${hold!.length} B: ${annotation.summary}`;
      field.children!.unshift({
        name: 'length',
        value: hold!.length,
        text: `"${hold!.length}:" (batch framing)`,
        at: prefixAt,
      });
      frames.push(field);
      if (summaries.length < 3) summaries.push(annotation.summary);
    }
    hold = null;
    left = -1;
  };

  return {
    push(bytes) {
      let at = 0;
      while (at < bytes.length) {
        if (junk) {
          record.add(bytes.subarray(at), 'framing', 'not a batch');
          return;
        }
        if (left >= 0) {
          const n = Math.min(left, bytes.length - at);
          const chunk = bytes.subarray(at, at + n);
          hold!.push(record.hold(chunk), 0, chunk);
          left -= n;
          at += n;
          if (left === 0) endFrame();
          continue;
        }
        const c = bytes[at++];
        prefix.push(c);
        if (c === COLON && prefix.length > 1) {
          addPrefix();
          left = length;
          length = 0;
          hold = new MessageHold();
          if (left === 0) endFrame();
        } else if (c >= 0x30 && c <= 0x39 && prefix.length <= 10) length = length * 10 + (c - 0x30);
        else {
          junk = true;
          addPrefix();
        }
      }
    },
    meta: (bytes) => void record.add(bytes, 'framing', 'chunked encoding'),
    finish() {
      addPrefix();
      if (hold) endFrame();
      if (count === 0 && !junk) return;
      record.fields.push({
        name: 'batch',
        value: count,
        text: `${count} frame${count === 1 ? '' : 's'}${count > MAX_LISTED ? ` (first ${MAX_LISTED} listed)` : ''}${junk ? ', then bytes that are not a batch' : ''}`,
        children: frames,
      });
    },
    summary: () =>
      count === 0
        ? junk
          ? 'not a batch'
          : 'empty batch'
        : `${count} frame${count === 1 ? '' : 's'}: ${summaries.join(', ')}${count > 3 ? ', …' : ''}`,
  };
}
