/**
 * What our acknowledgements cost on the wire, read from the same client-facing bytes as the wire
 * meter (plug `tap` into the proxy beside it). Counted, per the wire format in docs/protocol.md:
 *  - an HTTP exchange whose request body holds nothing but acks (an ack-only POST): all of it,
 *    request and response, heads included — it would not exist without acks;
 *  - any other standalone ack `a<n>`: the message and its framing (WebSocket frame header, batch
 *    length prefix, SSE `data:` line and blank line), and the `a<n>` body of a POST's answer;
 *  - piggybacked acks: the `,<n>` in a data envelope's header, and `ack=<n>` in a request's query.
 * These bytes overlap the wire meter's categories (an ack-only POST's heads are also HTTP heads,
 * its body control): they answer "what do acks cost", not "which category is it".
 */
import { decodeBatch } from '../protocol/index.js';
import { WebSocketDissector } from '../scenarios/meter/websocket.js';
import { type MessageSample, Tally } from '../scenarios/meter/tally.js';
import { createHttpConnection, headerIs, type HttpToken } from '../scenarios/network/http1.js';
import type { ConnectionTap } from '../scenarios/network/proxy.js';

export interface AckCost {
  bytes: number;
  ackOnlyRequests: number;
  /** Standalone `a<n>` messages outside ack-only requests. */
  ackMessages: number;
  piggybackedBytes: number;
}

export const zeroAckCost = (): AckCost => ({ bytes: 0, ackOnlyRequests: 0, ackMessages: 0, piggybackedBytes: 0 });

const ch = (c: string) => c.charCodeAt(0);
const ACK = ch('a');
const SPACE = 0x20;
const COMMA = ch(',');
const DATA_KINDS = new Set([ch('t'), ch('j'), ch('b'), ch('B')]);
const MAX_HEADER = 41;
const MAX_BODY = 1 << 20;
const QUERY_ACK = /[?&]ack=\d+/;

/** An envelope's first bytes: a standalone ack, or how many bytes of its header are a piggybacked ack. */
function inspect(head: Uint8Array): { ack: boolean; piggybacked: number } {
  if (head[0] === ACK) return { ack: true, piggybacked: 0 };
  if (!DATA_KINDS.has(head[0])) return { ack: false, piggybacked: 0 };
  const end = Math.min(head.length, MAX_HEADER);
  let comma = -1;
  for (let i = 1; i < end; i++) {
    if (head[i] === COMMA) comma = i;
    if (head[i] === SPACE) return { ack: false, piggybacked: comma > 0 ? i - comma : 0 };
  }
  return { ack: false, piggybacked: 0 };
}

/** The frames of a batch body; none when it does not parse (the wire meter still counts its bytes). */
function tryDecodeBatch(body: Buffer): Uint8Array[] {
  try {
    return decodeBatch(body, MAX_BODY);
  } catch {
    return [];
  }
}

interface Exchange {
  method: string;
  bytes: number;
  body: Buffer[];
  bodyBytes: number;
  ackOnly: boolean;
  response: 'batch' | 'answer' | 'sse' | 'other';
  sse: string;
}

export function createAckMeter(): { tap: (connectionId: number) => ConnectionTap; totals: () => AckCost } {
  const total = zeroAckCost();

  const countMessage = (head: Uint8Array, framedBytes: number) => {
    const { ack, piggybacked } = inspect(head);
    if (ack) {
      total.ackMessages++;
      total.bytes += framedBytes;
    }
    total.piggybackedBytes += piggybacked;
    total.bytes += piggybacked;
  };
  const countBatch = (body: Buffer) => {
    const frames = tryDecodeBatch(body);
    for (const f of frames) countMessage(f, f.length + String(f.length).length + 1);
  };
  const wsClassifier = (masked: boolean) => (m: MessageSample) => {
    const header = (m.length < 126 ? 2 : m.length < 65536 ? 4 : 10) + (masked ? 4 : 0);
    countMessage(m.head.subarray(0, m.headLength), m.length + header);
  };
  const collect = (x: Exchange, bytes: Buffer) => {
    x.bodyBytes += bytes.length;
    if (x.bodyBytes <= MAX_BODY) x.body.push(bytes);
  };

  function tap(): ConnectionTap {
    const exchanges: Exchange[] = [];
    const wsUp = new WebSocketDissector(new Tally(), wsClassifier(true));
    const wsDown = new WebSocketDissector(new Tally(), wsClassifier(false));
    let request: Exchange | null = null;

    const onRequest = (token: HttpToken) => {
      if (token.kind === 'tunnel') return wsUp.push(token.bytes);
      if (token.kind === 'head') {
        const query = QUERY_ACK.exec(token.head.target ?? '');
        if (query) {
          total.piggybackedBytes += query[0].length - 1;
          total.bytes += query[0].length - 1;
        }
        request = {
          method: token.head.method ?? '',
          bytes: token.bytes.length,
          body: [],
          bodyBytes: 0,
          ackOnly: false,
          response: 'other',
          sse: '',
        };
        exchanges.push(request);
        return;
      }
      if (!request) return;
      if (token.kind === 'body') collect(request, token.bytes);
      if (token.kind === 'body' || token.kind === 'chunk-meta') request.bytes += token.bytes.length;
      if (token.kind !== 'end' || request.method !== 'POST' || request.bodyBytes > MAX_BODY) return;
      const body = Buffer.concat(request.body);
      request.body = [];
      request.bodyBytes = 0;
      const frames = tryDecodeBatch(body);
      request.ackOnly = frames.length > 0 && frames.every((f) => f[0] === ACK);
      if (!request.ackOnly) countBatch(body);
    };

    const onResponse = (token: HttpToken) => {
      if (token.kind === 'tunnel') return wsDown.push(token.bytes);
      const x = exchanges[0];
      if (!x) return;
      if (token.kind === 'head') {
        x.bytes += token.bytes.length;
        const type = (t: string) => headerIs(token.head, 'content-type', t);
        x.response = type('text/event-stream')
          ? 'sse'
          : type('application/octet-stream')
            ? 'batch'
            : type('text/plain')
              ? 'answer'
              : 'other';
        return;
      }
      if (token.kind === 'body' || token.kind === 'chunk-meta') x.bytes += token.bytes.length;
      if (token.kind === 'body' && x.response === 'sse') return readEvents(x, token.bytes);
      if (token.kind === 'body') collect(x, token.bytes);
      if (token.kind !== 'end') return;
      exchanges.shift();
      if (x.ackOnly) {
        total.ackOnlyRequests++;
        total.bytes += x.bytes;
      } else if (x.response === 'batch' && x.bodyBytes <= MAX_BODY) countBatch(Buffer.concat(x.body));
      else if (x.response === 'answer' && x.bodyBytes > 0 && x.body[0][0] === ACK) {
        total.ackMessages++;
        total.bytes += x.bodyBytes;
      }
    };

    /** SSE events, "data:<envelope>\n\n" (an envelope with line feeds spans several data lines). */
    const readEvents = (x: Exchange, bytes: Buffer) => {
      x.sse += bytes.toString('utf8');
      let end: number;
      while ((end = x.sse.indexOf('\n\n')) >= 0) {
        const event = x.sse.slice(0, end + 2);
        x.sse = x.sse.slice(end + 2);
        const data = event.startsWith('data:') ? event.slice(5, 5 + MAX_HEADER) : '';
        if (data) countMessage(Buffer.from(data), Buffer.byteLength(event));
      }
      if (x.sse.length > MAX_BODY) x.sse = '';
    };

    const http = createHttpConnection(onRequest, onResponse);
    return {
      upstream: (bytes) => http.request.push(bytes),
      downstream: (bytes) => http.response.push(bytes),
      close: () => {},
    };
  }

  return { tap, totals: () => ({ ...total }) };
}
