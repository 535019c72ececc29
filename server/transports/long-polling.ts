/**
 * Long-polling downstream: the client keeps one GET parked; the server answers it with a batch of
 * everything queued (or an empty body after pollTimeoutMs), and the client polls again at once.
 * Binary travels as binary. Upstream is HTTP POST (the router's).
 *
 * A parked poll is a `PollSink`: the HTTP response here, or (cluster) a poll that another node
 * received and relays through the backplane. The HTTP response encodes an answer of at least the
 * compression threshold with gzip/brotli when the request accepts it (zlib, off the event loop), and
 * on HTTP/2 ends only its stream.
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
import { isHttp2, responseGone, sendError, type SessionQuery } from '../http.js';
import { type HostedSession, ServerConnection, type TransportFactory, type TransportHost } from '../transport.js';

/** Where a parked poll's answer goes. */
export interface PollSink {
  /** Answers with a batch (200); `closing`: the connection ends with it. `flushed` once written out (or failed). */
  answer(body: Uint8Array, closing: boolean, flushed: () => void): void;
  /** Answers with a refusal. */
  refuse(error: TransportLabError): void;
  /** Bytes answered and not yet flushed. */
  readonly pending: number;
  /** `listener` runs once if the poll goes away before it was answered (the client left). */
  onGone(listener: () => void): void;
  /** Drops it now, answered or not. */
  destroy(): void;
}

/** A poll on this node: the HTTP response itself. */
export function responseSink(
  req: IncomingMessage,
  res: ServerResponse,
  cors: Record<string, string>,
  compression: Compression,
): PollSink {
  let answered = false;
  return {
    answer(body, closing, flushed) {
      answered = true;
      compression.body(compression.negotiate(req), body, (error, encoded, encoding) => {
        const [out, used] = error ? [body, null] : [encoded, encoding];
        if (responseGone(res)) return flushed();
        res.writeHead(200, {
          ...cors,
          'Content-Type': BATCH_CONTENT_TYPE,
          'Content-Length': out.byteLength,
          'Cache-Control': 'no-store',
          ...(used ? { 'Content-Encoding': used, Vary: 'Accept-Encoding' } : {}),
          // HTTP/1.1: the last answer closes the connection; HTTP/2: it ends only its stream.
          ...(closing && !isHttp2(req) ? { Connection: 'close' } : {}),
        });
        res.end(out, flushed);
      });
    },
    refuse(error) {
      answered = true;
      sendError(res, error, cors);
    },
    get pending() {
      return res.writableLength;
    },
    onGone(listener) {
      res.on('close', () => !answered && listener());
    },
    destroy: () => res.destroy(),
  };
}

export class LongPollingConnection extends ServerConnection {
  readonly transport = 'long-polling' as const;
  private queue: Frame[] = [];
  private queuedBytes = 0;
  /** Highest data seq queued, and highest written in an answer. */
  private queuedUpTo = 0;
  private answeredUpTo = 0;
  private parked: { sink: PollSink; timer: ReturnType<typeof setTimeout> } | null = null;
  private flushScheduled = false;
  private closing = false;
  /** Answers written and not yet flushed. */
  private readonly answering = new Set<PollSink>();

  constructor(private readonly pollTimeoutMs: number) {
    super();
  }

  /** Queued for the next poll, plus answers still on their way out. */
  get bufferedAmount(): number {
    let bytes = this.queuedBytes;
    for (const sink of this.answering) bytes += sink.pending;
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
  poll(sink: PollSink): void {
    if (this.parked) return sink.refuse(new TransportLabError('POLL_IN_PROGRESS'));
    this.touch();
    const parked = { sink, timer: setTimeout(() => this.flush(), this.pollTimeoutMs) };
    this.parked = parked;
    sink.onGone(() => {
      if (this.parked !== parked) return;
      clearTimeout(parked.timer);
      this.parked = null;
      this.lost(); // the client went away with a poll parked
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
    this.parked?.sink.destroy();
    for (const sink of this.answering) sink.destroy();
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
    this.answering.add(poll.sink);
    poll.sink.answer(body, this.closing, () => {
      this.answering.delete(poll.sink);
      flushed();
    });
  }
}

/**
 * A poll without `open=1` continues its session: parked on the session's long-poll connection, or
 * (that connection or its last answer lost) on a fresh one that gets everything past its ack.
 */
export function continuePoll(session: HostedSession, sink: PollSink, ack: number, pollTimeoutMs: number): void {
  const current = session.activeConnection;
  if (current instanceof LongPollingConnection && !current.missedAnswer(ack)) {
    session.receive({ type: 'ack', ack }, null);
    return current.poll(sink);
  }
  if (session.transport !== 'long-polling') throw new TransportLabError('WRONG_TRANSPORT');
  // The long-poll connection, or its last answer, was lost, yet the client never saw its poll fail
  // (a browser resent it on a new connection by itself): continue the session on this poll, which
  // gets everything past its ack from the session's outbox. See docs/protocol.md.
  const connection = new LongPollingConnection(pollTimeoutMs);
  connection.poll(sink);
  session.continueOn(connection, ack);
}

/**
 * A GET with `open=1` opens (or resumes) a session on a fresh long-poll connection. A GET without it
 * continues a session and never opens one: an unknown session is a 404 UNKNOWN_SESSION (the client
 * reconnects with `open=1` and learns whether its session was lost). On a cluster, a poll for a
 * session another node holds is relayed to it.
 */
export const longPolling: TransportFactory = (host: TransportHost) => {
  const { pollTimeoutMs, compression } = host.options;
  const sinkOf = (req: IncomingMessage, res: ServerResponse) =>
    responseSink(req, res, host.corsHeaders(req), compression);
  return {
    async get(req, res, query: SessionQuery) {
      if (query.open) {
        const admission = await host.admit(req, query, 'long-polling');
        if (responseGone(res)) return; // the client left while it was being admitted
        return host.open(admission, () => {
          const connection = new LongPollingConnection(pollTimeoutMs);
          connection.poll(sinkOf(req, res));
          return connection;
        });
      }
      const session = host.findOrRelay(query);
      if (session) return continuePoll(session, sinkOf(req, res), query.ack, pollTimeoutMs);
      await host.relayPoll(query, sinkOf(req, res));
    },
  };
};
