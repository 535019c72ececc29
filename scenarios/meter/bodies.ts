/**
 * HTTP body dissectors (chunked framing already removed): they find the messages inside a body and
 * hand each to the dialect's classifier. Framing they recognise counts as `framing`; bytes they cannot
 * parse count as `framing` too (transport bytes that carry no readable message).
 *
 *   SSE (text/event-stream): "data:" + optional space, line ends, blank lines, id/event/retry lines =
 *     framing; comment lines (": …", heartbeats) = control; an event's data value (its lines joined
 *     by "\n", the joins counted as the line ends they are on the wire) = one message.
 *   batch (protocol/batch.ts): "<length>:" prefixes = framing; each frame = one message.
 *   engine.io polling: "\x1e" record separators = framing; each record = one message.
 *   message: the whole body is one message.
 *   opaque: everything to one category.
 */
import type { MessageClassifier } from './classify.js';
import { type Category, MessageSample, type Pending, type Tally } from './tally.js';

export interface BodyDissector {
  push(bytes: Buffer): void;
  finish(): void;
  pending(): Pending;
}

export function opaqueBody(tally: Tally, category: Category): BodyDissector {
  return { push: (b) => tally.add(category, b.length), finish: () => {}, pending: () => [] };
}

/** A body that is one message (e.g. the "a<ack>" answer to an upstream POST). */
export function messageBody(tally: Tally, classify: MessageClassifier): BodyDissector {
  let message = new MessageSample();
  return {
    push: (b) => message.push(b),
    finish() {
      classify(message, false, tally);
      message = new MessageSample();
    },
    pending: () => [['payload', message.length]],
  };
}

const COLON = 0x3a;
const LF = 0x0a;
const CR = 0x0d;

export function batchBody(tally: Tally, classify: MessageClassifier): BodyDissector {
  let prefix = 0; // bytes of the current "<length>:" read so far
  let length = 0;
  let left = -1; // bytes of the current frame still to come; -1 while reading a prefix
  let junk = false;
  let message: MessageSample | null = null;
  const endFrame = () => {
    classify(message!, false, tally);
    message = null;
    left = -1;
  };
  return {
    push(bytes) {
      let at = 0;
      while (at < bytes.length) {
        if (junk) return tally.add('framing', bytes.length - at);
        if (left >= 0) {
          const n = Math.min(left, bytes.length - at);
          message!.push(bytes.subarray(at, at + n));
          left -= n;
          at += n;
          if (left === 0) endFrame();
          continue;
        }
        const c = bytes[at++];
        prefix++;
        if (c === COLON && prefix > 1) {
          tally.add('framing', prefix);
          prefix = 0;
          left = length;
          length = 0;
          message = new MessageSample();
          if (left === 0) endFrame();
        } else if (c >= 0x30 && c <= 0x39 && prefix <= 10) length = length * 10 + (c - 0x30);
        else {
          junk = true;
          tally.add('framing', prefix);
          prefix = 0;
        }
      }
    },
    finish() {
      tally.add('framing', prefix);
      if (message) classify(message, false, tally);
      message = null;
      prefix = 0;
    },
    pending: () => [
      ['framing', prefix],
      ['payload', message?.length ?? 0],
    ],
  };
}

export function engineIoPollingBody(tally: Tally, classify: MessageClassifier): BodyDissector {
  let record = new MessageSample();
  return {
    push(bytes) {
      let at = 0;
      while (at < bytes.length) {
        const sep = bytes.indexOf(0x1e, at);
        const end = sep < 0 ? bytes.length : sep;
        record.push(bytes.subarray(at, end));
        if (sep < 0) return;
        classify(record, false, tally);
        tally.add('framing', 1);
        record = new MessageSample();
        at = sep + 1;
      }
    },
    finish() {
      classify(record, false, tally);
      record = new MessageSample();
    },
    pending: () => [['payload', record.length]],
  };
}

type SseState = 'field' | 'after-data-colon' | 'data' | 'skip';

export function sseBody(tally: Tally, classify: MessageClassifier): BodyDissector {
  let state: SseState = 'field';
  let name = ''; // field name read so far at the start of a line
  let prefix = 0; // "data:" (+ space) bytes of the current data line
  let skipCategory: Category = 'framing';
  let heldEol = 0; // line-end bytes after the last data line: a join if another data line follows
  let eolTo: Category | 'held' = 'framing'; // where a LF right after a CR goes
  let afterCR = false;
  let event: MessageSample | null = null;

  const endOfLine = (c: number, to: Category | 'held') => {
    afterCR = c === CR;
    eolTo = to;
    if (to === 'held') heldEol = 1;
    else tally.add(to, 1);
    state = 'field';
  };
  const dispatch = () => {
    tally.add('framing', heldEol);
    heldEol = 0;
    if (event) classify(event, false, tally);
    event = null;
  };
  const startDataLine = () => {
    tally.add('framing', prefix);
    prefix = 0;
    if (event && heldEol > 0) {
      event.push(Buffer.from('\n')); // the join: one line-end byte becomes part of the data value
      tally.add('framing', heldEol - 1);
    } else tally.add('framing', heldEol);
    heldEol = 0;
    event ??= new MessageSample();
    state = 'data';
  };

  function push(bytes: Buffer): void {
    let i = 0;
    while (i < bytes.length) {
      const c = bytes[i];
      if (afterCR) {
        afterCR = false;
        if (c === LF) {
          if (eolTo === 'held')
            heldEol++; // CRLF: the LF belongs to the same line end
          else tally.add(eolTo, 1);
          i++;
          continue;
        }
      }
      if (state === 'field') {
        i++;
        if (c === LF || c === CR) {
          if (name === '') dispatch();
          tally.add('framing', name.length);
          name = '';
          endOfLine(c, 'framing');
        } else if (c === COLON) {
          if (name === 'data') {
            state = 'after-data-colon';
            prefix = 5;
          } else {
            state = 'skip';
            skipCategory = name === '' ? 'control' : 'framing';
            tally.add(skipCategory, name.length + 1);
          }
          name = '';
        } else if (name.length >= 64) {
          state = 'skip';
          skipCategory = 'framing';
          tally.add('framing', name.length + 1);
          name = '';
        } else name += String.fromCharCode(c);
      } else if (state === 'after-data-colon') {
        if (c === 0x20) {
          prefix++;
          i++;
        }
        startDataLine();
      } else {
        let end = i;
        while (end < bytes.length && bytes[end] !== LF && bytes[end] !== CR) end++;
        if (state === 'data') event!.push(bytes.subarray(i, end));
        else tally.add(skipCategory, end - i);
        if (end < bytes.length) endOfLine(bytes[end], state === 'data' ? 'held' : skipCategory);
        i = end < bytes.length ? end + 1 : end;
      }
    }
  }

  return {
    push,
    finish() {
      tally.add('framing', name.length + prefix);
      name = '';
      prefix = 0;
      dispatch();
    },
    pending: () => [
      ['framing', name.length + prefix + heldEol],
      ['payload', event?.length ?? 0],
    ],
  };
}
