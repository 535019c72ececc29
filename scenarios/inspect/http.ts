/**
 * HTTP/1.1 heads, as the inspector shows them: the start line and each header line with its byte
 * count, the blank line that ends the head, and the head's category — the wire meter's rule
 * (scenarios/meter/dissector.ts): the heads of a WebSocket upgrade (whatever the answer) and of an
 * SSE stream are `handshake`, every other head (polls, POSTs, errors) is `httpHeaders`.
 * A WebSocket upgrade gets its RFC 6455 fields (websocket.ts) beside the headers.
 */
import { headerIs, isUpgradeRequest, type HttpHead } from '../network/http1.js';
import type { Category } from '../meter/tally.js';
import type { Field, RecordBuilder } from './record.js';
import { handshakeFields } from './websocket.js';

const isEventStream = (head: HttpHead, header: 'accept' | 'content-type') =>
  headerIs(head, header, 'text/event-stream');

/** handshake or httpHeaders, as the wire meter counts this head. */
export function headCategory(head: HttpHead, request: HttpHead | undefined): Category {
  const setup =
    head.method !== undefined
      ? isUpgradeRequest(head) || isEventStream(head, 'accept')
      : head.status === 101 ||
        isEventStream(head, 'content-type') ||
        (request !== undefined && isUpgradeRequest(request));
  return setup ? 'handshake' : 'httpHeaders';
}

export function isEventStreamResponse(head: HttpHead): boolean {
  return head.status !== undefined && isEventStream(head, 'content-type');
}

/** Adds a head's bytes to `record`, one span per line, and its fields; returns a one-line summary. */
export function addHead(record: RecordBuilder, bytes: Buffer, head: HttpHead, request: HttpHead | undefined): string {
  const category = headCategory(head, request);
  const lines: Field[] = [];
  const text = bytes.toString('latin1');
  let at = 0;
  while (at < text.length) {
    const eol = text.indexOf('\r\n', at);
    const end = eol < 0 ? text.length : eol + 2;
    const line = text.slice(at, eol < 0 ? text.length : eol);
    const range = record.add(bytes.subarray(at, end), category, labelOf(line, at === 0));
    if (at === 0) lines.push({ name: 'startLine', value: line, text: `${line}  (${end - at} B)`, at: range });
    else if (line === '')
      lines.push({ name: 'end of head', value: end - at, text: 'CRLF (2 B): blank line', at: range });
    else {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).trim();
      lines.push({ name, value, text: `${value}  (${end - at} B)`, at: range });
    }
    at = end;
  }
  const role = head.method !== undefined ? 'request' : 'response';
  record.fields.push({
    name: `${role} head`,
    value: bytes.length,
    text: `${bytes.length} B, ${category === 'handshake' ? 'handshake' : 'HTTP headers'}`,
    children: lines,
  });
  record.fields.push(...handshakeFields(head, request, lines));
  return head.startLine;
}

function labelOf(line: string, first: boolean): string {
  if (first) return 'start line';
  if (line === '') return 'end of head';
  return `${line.slice(0, Math.max(0, line.indexOf(':')))} header`;
}
