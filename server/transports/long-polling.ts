/**
 * Long-polling downstream: the client keeps one GET parked; the server answers it with a batch of
 * everything queued (or an empty body after pollTimeoutMs), and the client polls again at once.
 * Binary travels as binary. Upstream is HTTP POST (the router's). With compression negotiated, an
 * answer of at least the threshold is gzip/brotli-encoded (compressed off the event loop, by zlib).
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
import type { Compression } from '../compression.js';
import { isHttp2, responseGone, sendError } from '../http.js';
import { ServerConnection, type TransportFactory } from '../transport.js';

interface ParkedPoll {
  req: IncomingMessage;
  res: ServerResponse;
  timer: ReturnType<typeof setTimeout>;
}

export class LongPollingConnection extends ServerConnection {
  readonly transport = 'long-polling' as const;
  private queue: Frame[] = [];
  private queuedBytes = 0;
  /** Highest data seq queued, and highest written in an answer. */
  private queuedUpTo = 0;
  private answeredUpTo = 0;
  private parked: ParkedPoll | null = null;
  private flushScheduled = false;
  private closing = false;
  /** Answers written and not yet flushed to their sockets. */
  private readonly answering = new Set<ServerResponse>();

  constructor(
    private readonly pollTimeoutMs: number,
    private readonly cors: (req: IncomingMessage) => Record<string, string>,
    private readonly compression: Compression,
  ) {
    super();
  }

  /** Queued for the next poll, plus answers still on their way out. */
  get bufferedAmount(): number {
    let bytes = this.queuedBytes;
    for (const res of this.answering) bytes += res.writableLength;
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
    const timer = setTimeout(() => this.flush(), this.pollTimeoutMs);
    this.parked = { req, res, timer };
    res.on('close', () => {
      if (this.parked?.res !== res) return;
      clearTimeout(timer);
      this.parked = null;
      if (!res.writableEnded) this.lost(); // the client went away with a poll parked
    });
    if (this.queue.length > 0) this.scheduleFlush();
  }

  protected deliver(envelopes: readonly Envelope[]): void {
    for (const envelope of envelopes) {
      const frame = encode(envelope);
      this.queue.push(frame);
      this.queuedBytes += typeof frame === 'string' ? frame.length : frame.byteLength;
      if (envelope.type === 'data') this.queuedUpTo = Math.max(this.queuedUpTo, envelope.seq);
    }
    if (this.parked) this.scheduleFlush();
  }

  protected terminate(code: number, reason: string): void {
    this.closing = true;
    this.queue.push(encode({ type: 'close', code, reason }));
    if (this.parked) this.flush();
  }

  protected destroy(): void {
    this.parked?.res.destroy();
    for (const res of this.answering) res.destroy();
  }

  /** Everything sent in the same tick goes out in one response. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const poll = this.parked;
    if (!poll) return;
    clearTimeout(poll.timer);
    this.parked = null;
    const body = encodeBatch(this.queue);
    this.answeredUpTo = this.queuedUpTo;
    this.queue = [];
    this.queuedBytes = 0;
    this.lastOutboundAt = Date.now();
    const flushed = this.trackWrite();
    const closing = this.closing;
    this.answering.add(poll.res);
    poll.res.once('close', () => this.answering.delete(poll.res));
    this.compression.body(this.compression.negotiate(poll.req), body, (error, encoded, encoding) => {
      const [out, used] = error ? [body, null] : [encoded, encoding];
      if (responseGone(poll.res)) return (this.answering.delete(poll.res), flushed());
      poll.res.writeHead(200, {
        ...this.cors(poll.req),
        'Content-Type': BATCH_CONTENT_TYPE,
        'Content-Length': out.byteLength,
        'Cache-Control': 'no-store',
        ...(used ? { 'Content-Encoding': used, Vary: 'Accept-Encoding' } : {}),
        // HTTP/1.1: the last answer closes the connection; HTTP/2: it ends only its stream.
        ...(closing && !isHttp2(poll.req) ? { Connection: 'close' } : {}),
      });
      poll.res.end(out, () => {
        this.answering.delete(poll.res);
        flushed();
      });
    });
  }
}

/**
 * A GET with `open=1` opens (or resumes) a session on a fresh long-poll connection. A GET without it
 * continues a session and never opens one: an unknown session is a 404 UNKNOWN_SESSION (the client
 * reconnects with `open=1` and learns whether its session was lost).
 */
export const longPolling: TransportFactory = (host) => {
  const { pollTimeoutMs, compression } = host.options;
  const cors = (req: IncomingMessage) => host.corsHeaders(req);
  const parkedConnection = (req: IncomingMessage, res: ServerResponse) => {
    const connection = new LongPollingConnection(pollTimeoutMs, cors, compression);
    connection.poll(req, res);
    return connection;
  };
  return {
    async get(req, res, query) {
      if (query.open) {
        const admission = await host.admit(req, query, 'long-polling');
        if (responseGone(res)) return; // the client left while it was being admitted
        return host.open(admission, () => parkedConnection(req, res));
      }
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
