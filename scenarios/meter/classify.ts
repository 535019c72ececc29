/**
 * Message classifiers: how the bytes of ONE message (a WebSocket message, a batch frame, an SSE
 * event's data, an engine.io polling packet) split into envelope / control / payload / framing.
 * One per dialect. None of them throws; bytes they cannot read are still counted (see each rule).
 *
 * transport-lab envelope (protocol/envelope.ts):
 *   t/j/b/B data: the header up to and including the first space ("t12,5 ") = envelope; the body =
 *   payload. For `B` (base64 over SSE) payload = the decoded length and the base64 excess
 *   (body − decoded) = framing: it is the text channel's cost of carrying bytes, not application data.
 *   a/p/o/h/c/u (ack, ping, pong, hello, close, upgrade) = control. Anything unreadable = control.
 *
 * Socket.IO (engine.io v4 packets carrying socket.io packets):
 *   engine.io type byte "4" (message) = framing, like a frame header. engine.io open/close/ping/pong/
 *   upgrade/noop (0,1,2,3,5,6, including "2probe") = control. Socket.IO EVENT/ACK: the wrapper
 *   `2[/nsp,][id]["name",` (or `3[id][`) plus the closing `]` = envelope; the arguments = payload.
 *   CONNECT/DISCONNECT/CONNECT_ERROR = control. BINARY_EVENT/BINARY_ACK headers (placeholders) =
 *   envelope; their attachments (binary WebSocket messages, or "b"+base64 on polling) = payload,
 *   with "b" and the base64 excess = framing. Unreadable = control.
 *
 * raw ws: every message byte is payload.
 */
import { type MessageSample, type Tally } from './tally.js';

/** `binary`: the message came in a binary WebSocket frame. */
export type MessageClassifier = (message: MessageSample, binary: boolean, tally: Tally) => void;

const SPACE = 0x20;
const EQUALS = 0x3d;
const ch = (c: string) => c.charCodeAt(0);
const DATA_KINDS = new Set([ch('t'), ch('j'), ch('b'), ch('B')]);
const MAX_ENVELOPE_HEADER = 41; // kind + two 15-digit numbers + comma + space, with room

/** Bytes of a base64 body of `n` characters that are not decoded data (1 per 4 chars + padding). */
function base64Excess(m: MessageSample, n: number): number {
  let padding = 0;
  for (let i = Math.max(0, m.tail.length - Math.min(2, n)); i < m.tail.length; i++) if (m.tail[i] === EQUALS) padding++;
  return n - Math.max(0, Math.floor((n * 3) / 4) - padding);
}

function base64Body(m: MessageSample, body: number, t: Tally): void {
  const excess = base64Excess(m, body);
  t.add('framing', excess);
  t.add('payload', body - excess);
}

export const classifyEnvelope: MessageClassifier = (m, _binary, t) => {
  if (m.length === 0) return;
  const kind = m.head[0];
  const space = DATA_KINDS.has(kind) ? m.indexOf(SPACE, 1, MAX_ENVELOPE_HEADER) : -1;
  if (space < 0) return t.add('control', m.length);
  t.add('envelope', space + 1);
  const body = m.length - space - 1;
  if (kind === ch('B')) base64Body(m, body, t);
  else t.add('payload', body);
};

export const classifyRaw: MessageClassifier = (m, _binary, t) => t.add('payload', m.length);

export const classifySocketIo: MessageClassifier = (m, binary, t) => {
  if (m.length === 0) return;
  if (binary) return t.add('payload', m.length); // engine.io v4 sends binary as-is over WebSocket
  const type = m.head[0];
  if (type === ch('b')) {
    t.add('framing', 1);
    return base64Body(m, m.length - 1, t);
  }
  if (type !== ch('4')) return t.add('control', m.length);
  t.add('framing', 1);
  classifySocketIoPacket(m, t);
};

/** The socket.io packet after the engine.io "4" at offset 1. */
function classifySocketIoPacket(m: MessageSample, t: Tally): void {
  const rest = m.length - 1;
  const type = m.head[1];
  if (type === ch('5') || type === ch('6')) return t.add('envelope', rest);
  if (type !== ch('2') && type !== ch('3')) return t.add('control', rest);
  const argsStart = wrapperEnd(m, type === ch('2'));
  if (argsStart < 0) return t.add('envelope', rest);
  const closing = m.tail[m.tail.length - 1] === ch(']') && m.length > argsStart ? 1 : 0;
  t.add('envelope', argsStart - 1 + closing);
  t.add('payload', m.length - argsStart - closing);
}

/** Offset of the first argument byte after `2[/nsp,][id]["name",` or `3[/nsp,][id][`; -1 if unreadable. */
function wrapperEnd(m: MessageSample, isEvent: boolean): number {
  let i = 2;
  const at = (k: number) => (k < m.headLength ? m.head[k] : -1);
  if (at(i) === ch('/')) {
    const comma = m.indexOf(ch(','), i);
    if (comma < 0) return -1;
    i = comma + 1;
  }
  while (at(i) >= ch('0') && at(i) <= ch('9')) i++;
  if (at(i) !== ch('[')) return -1;
  i++;
  if (!isEvent) return i;
  if (at(i) !== ch('"')) return -1;
  for (i++; i < m.headLength && at(i) !== ch('"'); i++) if (at(i) === ch('\\')) i++;
  if (at(i) !== ch('"')) return -1;
  i++;
  return at(i) === ch(',') ? i + 1 : i;
}
