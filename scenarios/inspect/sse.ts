/**
 * Server-Sent Events (text/event-stream) for the inspector: one record per event — its `data:`
 * lines, id/event/retry lines and comments, and the blank line that ends it — with the event's data
 * annotated as one message (our envelope on /rt/sse).
 *
 * Categories follow the wire meter (scenarios/meter/bodies.ts, sseBody): "data:" (+ one space), line
 * ends, blank lines and id/event/retry lines are `framing`; comment lines (": …") are `control`; the
 * data value is the message — its lines joined by "\n", each join being the first byte of the line
 * end between two data lines on the wire — split by the dialect's annotator.
 */
import type { Category } from '../meter/tally.js';
import type { MessageAnnotator } from './message.js';
import { type BodyReader, clip, type Field, MessageHold, type Placeholder, type RecordBuilder } from './record.js';

const COLON = 0x3a;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const JOIN = Buffer.from('\n');

type State = 'field' | 'after-data-colon' | 'data' | 'skip';

export interface EventSink {
  open(protocol: 'sse'): RecordBuilder;
}

export function sseBody(sink: EventSink, annotate: MessageAnnotator): BodyReader {
  let record: RecordBuilder | null = null;
  let state: State = 'field';
  let name = ''; // field name read so far at the start of a line
  let nameHeld: Placeholder[] = [];
  let skip: { category: Category; label: string } = { category: 'framing', label: '' };
  let heldEol: Placeholder[] = []; // line-end bytes after the last data line: a join if another data line follows
  let eolTo: Category | 'held' = 'framing'; // where a LF right after a CR goes
  let afterCR = false;
  let endAfterLF = false; // the blank line was a CR: its LF, if any, still belongs to this event
  let hold: MessageHold | null = null;
  let line = { start: 0, text: '' };
  let lines: Field[] = [];
  let events = 0;

  const rec = () => (record ??= sink.open('sse'));
  const resolveName = (category: Category, label: string) => {
    for (const p of nameHeld) p.fill(0, p.length, category, label);
    nameHeld = [];
  };
  const endLine = (fieldName: string) => {
    lines.push({ name: fieldName, value: line.text, text: clip(line.text, 120), at: [line.start, rec().length] });
    line = { start: rec().length, text: '' };
  };
  /** A line end byte `c`; `to`: its category, or 'held' after a data line. */
  const endOfLine = (c: number, to: Category | 'held', label: string) => {
    afterCR = c === CR;
    eolTo = to;
    const byte = Buffer.from([c]);
    if (to === 'held') heldEol = [rec().hold(byte)];
    else rec().add(byte, to, label);
    state = 'field';
  };
  const completeEvent = () => {
    endAfterLF = false;
    if (!record) return;
    record.fields.push({ name: 'lines', value: lines.length, children: lines });
    record.complete = true;
    record = null;
    lines = [];
  };
  const dispatch = () => {
    for (const p of heldEol) p.fill(0, p.length, 'framing', 'line end');
    heldEol = [];
    events++;
    const r = rec();
    if (hold) {
      const annotation = annotate(hold.sample, false);
      hold.settle(annotation.layout);
      r.fields.push(hold.field(r, annotation, 'data'));
      r.summary = `event ${events}: ${annotation.summary}`;
    } else r.summary = `event ${events}: ${lines.map((l) => l.name).join(', ') || 'empty'}`;
    hold = null;
  };
  const startDataLine = () => {
    if (hold && heldEol.length > 0) {
      const [join, ...rest] = heldEol;
      hold.push(join, 0, JOIN); // the join: one line-end byte becomes part of the data value
      join.fill(1, join.length - 1, 'framing', 'line end');
      for (const p of rest) p.fill(0, p.length, 'framing', 'line end');
    } else for (const p of heldEol) p.fill(0, p.length, 'framing', 'line end');
    heldEol = [];
    hold ??= new MessageHold();
    state = 'data';
  };

  function push(bytes: Buffer): void {
    let i = 0;
    while (i < bytes.length) {
      const c = bytes[i];
      if (afterCR) {
        afterCR = false;
        if (c === LF) {
          const byte = bytes.subarray(i, i + 1);
          if (eolTo === 'held') heldEol.push(rec().hold(byte));
          else rec().add(byte, eolTo, 'line end');
          i++;
          if (endAfterLF) completeEvent();
          continue;
        }
      }
      if (endAfterLF) completeEvent();
      if (state === 'field') {
        if (name === '' && nameHeld.length === 0) line = { start: rec().length, text: '' };
        let end = i;
        while (end < bytes.length && ![LF, CR, COLON].includes(bytes[end]) && name.length + (end - i) < 64) end++;
        if (end > i) {
          nameHeld.push(rec().hold(bytes.subarray(i, end)));
          name += bytes.toString('latin1', i, end);
          i = end;
          continue;
        }
        i++;
        if (c === LF || c === CR) {
          const blank = name === '' && nameHeld.length === 0;
          if (blank) dispatch();
          resolveName('framing', 'field without a colon');
          endOfLine(c, 'framing', blank ? 'blank line: end of event' : 'line end');
          endLine(blank ? 'end of event' : name);
          name = '';
          if (blank) {
            if (c === CR) endAfterLF = true;
            else completeEvent();
          }
        } else if (c === COLON) {
          if (name === 'data') {
            resolveName('framing', 'data:');
            rec().add(bytes.subarray(i - 1, i), 'framing', 'data:');
            state = 'after-data-colon';
          } else {
            skip =
              name === '' ? { category: 'control', label: 'comment' } : { category: 'framing', label: `${name}: line` };
            resolveName(skip.category, skip.label);
            rec().add(bytes.subarray(i - 1, i), skip.category, skip.label);
            state = 'skip';
          }
          line.text = name === '' ? ':' : '';
          name = name === '' ? 'comment' : name;
        } else {
          // a field name of 64 bytes or more: not one we know; the line is framing
          skip = { category: 'framing', label: 'unknown line' };
          resolveName('framing', skip.label);
          rec().add(bytes.subarray(i - 1, i), 'framing', skip.label);
          state = 'skip';
        }
      } else if (state === 'after-data-colon') {
        if (c === SPACE) {
          rec().add(bytes.subarray(i, i + 1), 'framing', 'data: (space)');
          i++;
        }
        startDataLine();
      } else {
        let end = i;
        while (end < bytes.length && bytes[end] !== LF && bytes[end] !== CR) end++;
        const chunk = bytes.subarray(i, end);
        if (state === 'data') hold!.push(rec().hold(chunk), 0, chunk);
        else rec().add(chunk, skip.category, skip.label);
        if (line.text.length < 200) line.text += chunk.toString('utf8', 0, Math.min(chunk.length, 200));
        if (end < bytes.length) {
          const isData = state === 'data';
          endOfLine(bytes[end], isData ? 'held' : skip.category, skip.label);
          endLine(isData ? 'data' : name);
          name = '';
        }
        i = end < bytes.length ? end + 1 : end;
      }
    }
  }

  return {
    push,
    meta: (bytes) => void rec().add(bytes, 'framing', 'chunked encoding'),
    finish() {
      resolveName('framing', 'partial line');
      if (endAfterLF) completeEvent();
      if (!record && !hold) return;
      dispatch();
      rec().summary += ' (stream ended)';
      completeEvent();
    },
    summary: () => `${events} event${events === 1 ? '' : 's'}`,
  };
}
