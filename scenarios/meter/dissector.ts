/**
 * Per-connection dissector: follows one TCP connection's two byte streams (as seen at the proxy's
 * client-facing socket) through HTTP/1.1, chunked encoding, SSE, batches, engine.io polling and
 * WebSocket frames, and counts every byte into exactly one ByteBreakdown category.
 *
 * HTTP heads: the request and response heads of a WebSocket upgrade (whatever the answer) and of an
 * SSE stream (request `Accept: text/event-stream`, response `Content-Type: text/event-stream`) =
 * handshake; every other head (polls, POSTs, errors) = httpHeaders. Chunk-size lines, chunk CRLFs,
 * the last chunk and trailers = framing. Bodies by content: SSE streams → sseBody; dialect
 * "envelope": application/octet-stream → batches, text/plain → one envelope (the "a<ack>" answer to
 * a POST), other bodies (error JSON) → control; dialect
 * "socketio": bodies under /socket.io/ → engine.io polling, others → control; dialect "raw": bodies
 * → payload. Bytes that are not HTTP (and not after a 101) → framing. See classify.ts for messages.
 */
import {
  createHttpConnection,
  headerIs,
  isUpgradeRequest,
  type HttpConnection,
  type HttpHead,
  type HttpToken,
} from '../network/http1.js';
import type { Dialect } from '../contenders.js';
import type { ByteBreakdown } from '../results.js';
import { batchBody, type BodyDissector, engineIoPollingBody, messageBody, opaqueBody, sseBody } from './bodies.js';
import { classifyEnvelope, classifyRaw, classifySocketIo, type MessageClassifier } from './classify.js';
import { encodedBody, isDecodable } from './encoded.js';
import { Tally } from './tally.js';
import { WebSocketDissector } from './websocket.js';

export type { Dialect };

export const CLASSIFIERS: Record<Dialect, MessageClassifier> = {
  envelope: classifyEnvelope,
  socketio: classifySocketIo,
  raw: classifyRaw,
};

type Direction = 'upstream' | 'downstream';

interface Side {
  tally: Tally;
  body: BodyDissector | null;
  ws: WebSocketDissector | null;
}

const isEventStream = (head: HttpHead, header: 'accept' | 'content-type') =>
  headerIs(head, header, 'text/event-stream');

export class ConnectionDissector {
  private readonly sides: Record<Direction, Side> = {
    upstream: { tally: new Tally(), body: null, ws: null },
    downstream: { tally: new Tally(), body: null, ws: null },
  };
  private readonly http: HttpConnection;
  private readonly classify: MessageClassifier;
  /** HTTP requests that are not a stream's setup (upgrade, SSE): polls, POSTs, anything else. */
  requests = 0;

  constructor(private readonly dialect: Dialect) {
    this.classify = CLASSIFIERS[dialect];
    this.http = createHttpConnection(
      (token) => this.onToken('upstream', token),
      (token) => this.onToken('downstream', token),
    );
  }

  /** Client → server bytes, in order. */
  upstream(bytes: Buffer): void {
    this.http.request.push(bytes);
  }

  /** Server → client bytes, in order. */
  downstream(bytes: Buffer): void {
    this.http.response.push(bytes);
  }

  /** The connection closed: whatever is held is counted (see each dissector's finish). */
  finish(): void {
    this.http.request.finish();
    this.http.response.finish();
    for (const side of Object.values(this.sides)) {
      side.body?.finish();
      side.ws?.finish();
      side.body = null;
    }
  }

  /** Counts so far; bytes held in an incomplete unit are included under their provisional category. */
  breakdown(direction: Direction): ByteBreakdown {
    const side = this.sides[direction];
    const out = { ...side.tally.counts };
    const tokenizer = direction === 'upstream' ? this.http.request : this.http.response;
    const pending = [
      ...(side.body?.pending() ?? []),
      ...(side.ws?.pending() ?? []),
      ['httpHeaders', tokenizer.pendingBytes] as const,
    ];
    for (const [category, bytes] of pending) {
      out[category] += bytes;
      out.total += bytes;
    }
    return out;
  }

  private onToken(direction: Direction, token: HttpToken): void {
    const side = this.sides[direction];
    switch (token.kind) {
      case 'head': {
        const setup = isSetup(token.head, token.request);
        side.tally.add(setup ? 'handshake' : 'httpHeaders', token.bytes.length);
        if (direction === 'upstream' && !setup) this.requests++;
        side.body = bodyFor(this.dialect, this.classify, side.tally, token.head, token.request);
        return;
      }
      case 'body':
        (side.body ??= opaqueBody(side.tally, 'framing')).push(token.bytes);
        return;
      case 'end':
        side.body?.finish();
        side.body = null;
        return;
      case 'chunk-meta':
      case 'junk':
        side.tally.add('framing', token.bytes.length);
        return;
      case 'tunnel':
        (side.ws ??= new WebSocketDissector(side.tally, this.classify)).push(token.bytes);
        return;
    }
  }
}

/**
 * Whether a head sets a stream up (the WebSocket upgrade and its answer, an SSE stream's request and
 * response: `handshake`) rather than being one of many requests (`httpHeaders`). HTTP/2 heads too.
 */
export function isSetup(head: HttpHead, request: HttpHead | undefined): boolean {
  if (head.method !== undefined) return isUpgradeRequest(head) || isEventStream(head, 'accept');
  return (
    head.status === 101 || isEventStream(head, 'content-type') || (request !== undefined && isUpgradeRequest(request))
  );
}

/**
 * The body dissector for a message with this head (the request it answers, for a response). A
 * compressed body (Content-Encoding) is decoded and its bytes shared out (encoded.ts).
 */
export function bodyFor(
  dialect: Dialect,
  classify: MessageClassifier,
  tally: Tally,
  head: HttpHead,
  request: HttpHead | undefined,
): BodyDissector {
  const encoding = head.headers.get('content-encoding');
  if (isDecodable(encoding)) {
    return encodedBody(encoding!, tally, (into) => plainBodyFor(dialect, classify, into, head, request));
  }
  return plainBodyFor(dialect, classify, tally, head, request);
}

function plainBodyFor(
  dialect: Dialect,
  classify: MessageClassifier,
  tally: Tally,
  head: HttpHead,
  request: HttpHead | undefined,
): BodyDissector {
  if (head.status !== undefined && isEventStream(head, 'content-type')) return sseBody(tally, classify);
  const path = head.target ?? request?.target ?? '';
  switch (dialect) {
    case 'raw':
      return opaqueBody(tally, 'payload');
    case 'socketio':
      return path.includes('/socket.io/') ? engineIoPollingBody(tally, classify) : opaqueBody(tally, 'control');
    case 'envelope':
      if (headerIs(head, 'content-type', 'application/octet-stream')) return batchBody(tally, classify);
      if (headerIs(head, 'content-type', 'text/plain')) return messageBody(tally, classify);
      return opaqueBody(tally, 'control');
  }
}
