/**
 * Long-polling downstream: the client keeps one GET parked; the server answers it with a batch of
 * everything queued (or an empty body after pollTimeoutMs), and the client polls again at once.
 * Binary travels as binary. Upstream is HTTP POST (the router's).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BATCH_CONTENT_TYPE,
  encode,
  encodeBatch,
  type Envelope,
  type Frame,
  TransportLabError,
} from '../../protocol/index.js';
import { omitKeepAliveHeaders, sendError, type SessionQuery } from '../http.js';
import { ServerConnection, type TransportFactory } from '../transport.js';

export class LongPollingConnection extends ServerConnection {
  readonly transport = 'long-polling' as const;
  /** Frames for the next answer (made on the first). */
  private queue: Frame[] | null = null;
  private queuedBytes = 0;
  /** Highest data seq queued, and highest written in an answer. */
  private queuedUpTo = 0;
  private answeredUpTo = 0;
  /** The poll waiting for something to answer with, since when (its timeout runs on the session's tick). */
  private parkedReq: IncomingMessage | null = null;
  private parked: ServerResponse | null = null;
  private parkedAt = 0;
  private flushScheduled = false;
  private closing = false;
  /** Answers written and not yet flushed to their sockets (null when none). */
  private answering: ServerResponse[] | null = null;

  constructor(
    private readonly pollTimeoutMs: number,
    private readonly cors: (req: IncomingMessage) => Record<string, string>,
  ) {
    super();
  }

  /** Queued for the next poll, plus answers still on their way out. */
  get bufferedAmount(): number {
    let bytes = this.queuedBytes;
    if (this.answering) for (const res of this.answering) bytes += res.writableLength;
    return bytes;
  }

  /**
   * Whether a poll with this ack never got an answer this connection wrote: the answer died on the
   * wire and the browser resent the poll (it does when the connection dies before any response
   * byte). The session then continues on a fresh connection and resends from its outbox.
   */
  missedAnswer(ack: number): boolean {
    return ack < this.answeredUpTo;
  }

  /** Parks a poll. A second poll while one is parked is refused with 409 POLL_IN_PROGRESS. */
  poll(req: IncomingMessage, res: ServerResponse): void {
    if (this.parked) return sendError(res, new TransportLabError('POLL_IN_PROGRESS'), this.cors(req));
    this.touch();
    this.parkedReq = req;
    this.parked = res;
    this.parkedAt = Date.now();
    res.once('close', () => {
      if (this.parked !== res) return;
      this.parked = this.parkedReq = null;
      this.lost(); // the client went away with a poll parked
    });
    if (this.queue) this.scheduleFlush();
  }

  /** An idle poll is answered, empty, once it has waited pollTimeoutMs (it is the heartbeat). */
  override tick(now: number): void {
    super.tick(now);
    if (this.parked && now - this.parkedAt >= this.pollTimeoutMs) this.flush();
  }

  protected deliver(envelope: Envelope): void {
    const frame = encode(envelope);
    (this.queue ??= []).push(frame);
    this.queuedBytes += typeof frame === 'string' ? frame.length : frame.byteLength;
    if (envelope.type === 'data' && envelope.seq > this.queuedUpTo) this.queuedUpTo = envelope.seq;
    if (this.parked) this.scheduleFlush();
  }

  protected terminate(code: number, reason: string): void {
    this.closing = true;
    (this.queue ??= []).push(encode({ type: 'close', code, reason }));
    if (this.parked) this.flush();
  }

  protected destroy(): void {
    this.parked?.destroy();
    if (this.answering) for (const res of this.answering) res.destroy();
  }

  /** Everything sent in the same event-loop turn goes out in one response. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(LongPollingConnection.scheduledFlush, this);
  }

  private static scheduledFlush(connection: LongPollingConnection): void {
    connection.flushScheduled = false;
    connection.flush();
  }

  /** Answers the parked poll with everything queued (an empty batch when nothing is). */
  private flush(): void {
    const res = this.parked;
    const req = this.parkedReq!;
    if (!res) return;
    this.parked = this.parkedReq = null;
    const body = encodeBatch(this.queue ?? []);
    this.answeredUpTo = this.queuedUpTo;
    this.queue = null;
    this.queuedBytes = 0;
    if (!this.closing) omitKeepAliveHeaders(res);
    res.writeHead(200, answerHeaders(body.byteLength, this.closing, this.cors(req)));
    const flushed = this.trackWrite();
    (this.answering ??= []).push(res);
    res.end(body, () => {
      this.answered(res);
      flushed();
    });
    res.once('close', () => this.answered(res));
  }

  private answered(res: ServerResponse): void {
    const answering = this.answering;
    const at = answering ? answering.indexOf(res) : -1;
    if (at < 0) return;
    answering!.splice(at, 1);
    if (answering!.length === 0) this.answering = null;
  }
}

/** A poll answer's head: a fresh object per answer (Node keeps it), CORS only for allowed origins. */
function answerHeaders(
  length: number,
  closing: boolean,
  cors: Record<string, string>,
): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    'Content-Type': BATCH_CONTENT_TYPE,
    'Content-Length': length,
    'Cache-Control': 'no-store',
  };
  if (closing) headers.Connection = 'close';
  for (const name in cors) headers[name] = cors[name];
  return headers;
}

/**
 * A GET with `open=1` opens (or resumes) a session on a fresh long-poll connection. A GET without it
 * continues a session and never opens one: an unknown session is a 404 UNKNOWN_SESSION (the client
 * reconnects with `open=1` and learns whether its session was lost).
 */
export const longPolling: TransportFactory = (host) => {
  const { pollTimeoutMs } = host.options;
  const cors = (req: IncomingMessage) => host.corsHeaders(req);
  const parkedConnection = (req: IncomingMessage, res: ServerResponse) => {
    const connection = new LongPollingConnection(pollTimeoutMs, cors);
    connection.poll(req, res);
    return connection;
  };
  const open = async (req: IncomingMessage, res: ServerResponse, query: SessionQuery) => {
    const admission = await host.admit(req, query, 'long-polling');
    if (res.destroyed) return; // the client left while it was being admitted
    host.open(admission, () => parkedConnection(req, res));
  };
  return {
    get(req, res, query) {
      if (query.open) return open(req, res, query);
      const session = host.find(query);
      const current = session.activeConnection;
      if (current instanceof LongPollingConnection && !current.missedAnswer(query.ack)) {
        session.receive({ type: 'ack', ack: query.ack }, null);
        return current.poll(req, res);
      }
      if (session.transport !== 'long-polling') throw new TransportLabError('WRONG_TRANSPORT');
      // The long-poll connection, or its last answer, was lost, yet the client never saw its poll fail
      // (a browser resent it on a new connection by itself): continue the session on this poll, which
      // gets everything past its ack from the session's outbox. See docs/protocol.md.
      session.continueOn(parkedConnection(req, res), query.ack);
    },
  };
};
