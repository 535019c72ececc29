/**
 * Follows one TCP connection's two byte streams, as the proxy's client-facing socket sees them,
 * through HTTP/1.1 (scenarios/network/http1.ts), chunked encoding, SSE, batches, Engine.IO polling
 * and WebSocket frames, and turns them into records: one per HTTP message (head and body), per SSE
 * event, per WebSocket frame. Records of one direction come out in wire order, each once it is
 * complete and all its bytes have their category. The rules of which body is what are the wire
 * meter's (scenarios/meter/dissector.ts), so the categories agree with it byte for byte.
 *
 * Dialect 'auto' (the demo, where one lane carries ours or Socket.IO): the connection's first
 * request decides — a path under /socket.io/ is Socket.IO, anything else ours.
 */
import {
  createHttpConnection,
  headerIs,
  type HttpConnection,
  type HttpHead,
  type HttpToken,
} from '../network/http1.js';
import type { Dialect } from '../meter/dissector.js';
import { engineIoPollingBody } from './engineio.js';
import { addHead, isEventStreamResponse } from './http.js';
import { ANNOTATORS, messageBody, opaqueBody } from './message.js';
import { batchBody } from './polling.js';
import { type BodyReader, clip, type Direction, type Protocol, RecordBuilder } from './record.js';
import { sseBody } from './sse.js';
import { WebSocketReader } from './websocket.js';

export type InspectDialect = Dialect | 'auto';

interface Side {
  direction: Direction;
  /** Records in wire order, waiting to be complete and settled. */
  queue: RecordBuilder[];
  /** The HTTP message being read (head, then body until its end); null for a stream's events. */
  http: RecordBuilder | null;
  head: string;
  body: BodyReader | null;
  ws: WebSocketReader | null;
}

export class ConnectionInspector {
  private dialect: Dialect | null;
  private readonly http: HttpConnection;
  private readonly sides: Record<Direction, Side> = {
    upstream: { direction: 'upstream', queue: [], http: null, head: '', body: null, ws: null },
    downstream: { direction: 'downstream', queue: [], http: null, head: '', body: null, ws: null },
  };

  constructor(
    readonly id: number,
    dialect: InspectDialect,
    private readonly emit: (record: RecordBuilder) => void,
  ) {
    this.dialect = dialect === 'auto' ? null : dialect;
    this.http = createHttpConnection(
      (token) => this.onToken(this.sides.upstream, token),
      (token) => this.onToken(this.sides.downstream, token),
    );
  }

  /** Client → server bytes, in order. */
  upstream(bytes: Buffer): void {
    this.http.request.push(bytes);
    this.flush(this.sides.upstream);
  }

  /** Server → client bytes, in order. */
  downstream(bytes: Buffer): void {
    this.http.response.push(bytes);
    this.flush(this.sides.downstream);
  }

  /** The connection closed: what is held is settled and every record comes out. */
  finish(): void {
    this.http.request.finish();
    this.http.response.finish();
    for (const side of Object.values(this.sides)) {
      this.endMessage(side);
      side.ws?.finish();
      for (const record of side.queue) {
        record.fillHeld('framing', 'unclassified (connection ended)');
        record.complete = true;
      }
      this.flush(side);
    }
  }

  private get annotate() {
    return ANNOTATORS[this.dialect ?? 'envelope'];
  }

  private open(side: Side, protocol: Protocol): RecordBuilder {
    const record = new RecordBuilder(this.id, side.direction, protocol);
    side.queue.push(record);
    return record;
  }

  private flush(side: Side): void {
    while (side.queue.length > 0 && side.queue[0].ready) this.emit(side.queue.shift()!);
  }

  private onToken(side: Side, token: HttpToken): void {
    switch (token.kind) {
      case 'head':
        return this.onHead(side, token.bytes, token.head, token.request);
      case 'body':
        (side.body ??= opaqueBody(this.open(side, 'bytes'), 'framing', 'body without a head')).push(token.bytes);
        return;
      case 'chunk-meta':
        if (side.body) side.body.meta(token.bytes);
        else this.bytesRecord(side, token.bytes, 'chunked encoding');
        return;
      case 'end':
        this.endMessage(side);
        return;
      case 'tunnel':
        (side.ws ??= new WebSocketReader({ open: (p) => this.open(side, p) }, this.annotate)).push(token.bytes);
        return;
      case 'junk':
        this.bytesRecord(side, token.bytes, 'not HTTP/1.1 as understood here');
        return;
    }
  }

  private onHead(side: Side, bytes: Buffer, head: HttpHead, request: HttpHead | undefined): void {
    if (this.dialect === null && head.target !== undefined)
      this.dialect = head.target.includes('/socket.io/') ? 'socketio' : 'envelope';
    const record = this.open(side, 'http');
    side.head = clip(addHead(record, bytes, head, request), 90);
    record.summary = side.head;
    if (isEventStreamResponse(head)) {
      record.summary += ' — event stream';
      record.complete = true;
      side.body = sseBody({ open: (p) => this.open(side, p) }, this.annotate);
    } else if (head.status !== undefined && head.status < 200) {
      record.complete = true; // 101 (the tunnel follows) or an interim 1xx
    } else {
      side.http = record;
      side.body = this.bodyFor(record, head, request);
    }
  }

  /** The wire meter's choice of body dissector (scenarios/meter/dissector.ts, bodyFor). */
  private bodyFor(record: RecordBuilder, head: HttpHead, request: HttpHead | undefined): BodyReader {
    const path = head.target ?? request?.target ?? '';
    switch (this.dialect ?? 'envelope') {
      case 'raw':
        return opaqueBody(record, 'payload', 'body');
      case 'socketio':
        return path.includes('/socket.io/') ? engineIoPollingBody(record) : opaqueBody(record, 'control', 'body');
      case 'envelope':
        if (headerIs(head, 'content-type', 'application/octet-stream')) return batchBody(record, this.annotate);
        if (headerIs(head, 'content-type', 'text/plain')) return messageBody(record, this.annotate);
        return opaqueBody(record, 'control', 'body (not an envelope: an error answer, or nothing of ours)');
    }
  }

  /** The body (or the stream) ended: the body reader settles what it holds; the message record is complete. */
  private endMessage(side: Side): void {
    side.body?.finish();
    const body = side.body?.summary() ?? '';
    side.body = null;
    const record = side.http;
    side.http = null;
    if (!record) return;
    record.summary = body ? `${side.head} — ${body}` : side.head;
    record.complete = true;
  }

  private bytesRecord(side: Side, bytes: Buffer, label: string): void {
    const record = this.open(side, 'bytes');
    record.add(bytes, 'framing', label);
    record.summary = `${bytes.length} B ${label}`;
    record.complete = true;
  }
}
