/**
 * How application data maps to envelope kinds, the same on both sides:
 *   string                          → `t` (UTF-8 text, delivered as a string)
 *   Uint8Array / Buffer / ArrayBuffer / ArrayBufferView → `b` (bytes; base64 `B` on SSE downstream)
 *   anything else JSON can encode   → `j` (delivered as the parsed value)
 */
import { TransportLabError } from './codes.js';
import { byteLength, type Envelope, fitsBytes } from './envelope.js';

export type Payload = { kind: 't' | 'j'; body: string; bytes: number } | { kind: 'b'; body: Uint8Array; bytes: number };

export function toPayload(data: unknown, maxBytes: number, maxJsonDepth = Infinity): Payload {
  let payload: Payload;
  if (typeof data === 'string') payload = { kind: 't', body: data, bytes: byteLength(data) };
  else if (data instanceof Uint8Array) payload = { kind: 'b', body: data, bytes: data.byteLength };
  else if (data instanceof ArrayBuffer) payload = { kind: 'b', body: new Uint8Array(data), bytes: data.byteLength };
  else if (ArrayBuffer.isView(data)) {
    const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    payload = { kind: 'b', body, bytes: body.byteLength };
  } else {
    const json = data === undefined ? undefined : JSON.stringify(data);
    if (json === undefined) throw new TypeError('send() takes a string, bytes, or a JSON-serialisable value');
    payload = { kind: 'j', body: json, bytes: byteLength(json) };
    assertJsonDepth(json, maxJsonDepth); // the receiver would refuse it
  }
  if (payload.bytes > maxBytes) {
    throw new TransportLabError(
      'MESSAGE_TOO_BIG',
      `Message of ${payload.bytes} bytes exceeds maxMessageBytes (${maxBytes})`,
    );
  }
  return payload;
}

/**
 * Turns a received data envelope's body back into what the sender passed to send(). JSON nesting
 * deeper than `maxDepth` is refused (JSON_TOO_DEEP) by a linear scan before JSON.parse sees it.
 */
export function fromPayload(kind: 't' | 'j' | 'b', body: string | Uint8Array, maxDepth = Infinity): unknown {
  if (kind === 't') return body;
  if (kind === 'b') return body;
  assertJsonDepth(body as string, maxDepth);
  try {
    return JSON.parse(body as string);
  } catch {
    throw new TransportLabError('BAD_JSON');
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Throws JSON_TOO_DEEP when `json` opens more than `maxDepth` arrays/objects inside each other. One
 * pass over the text, no allocation; brackets inside strings do not count. It does not validate:
 * JSON.parse does that afterwards, on text known to be shallow enough.
 */
export function assertJsonDepth(json: string, maxDepth: number): void {
  if (maxDepth === Infinity) return;
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < json.length; i++) {
        const d = json.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) {
        throw new TransportLabError('JSON_TOO_DEEP', `JSON payload nests deeper than ${maxDepth} levels`);
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/**
 * Refuses a received data envelope whose payload is over the limit (a peer that skipped its own
 * check). Text is measured only when its length cannot decide (see fitsBytes): free for the usual message.
 */
export function assertPayloadWithin(envelope: Envelope, maxBytes: number): void {
  if (envelope.type !== 'data') return;
  const body = envelope.body;
  if (typeof body === 'string' ? !fitsBytes(body, maxBytes) : body.byteLength > maxBytes)
    throw new TransportLabError('MESSAGE_TOO_BIG');
}
