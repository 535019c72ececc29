/**
 * Long-polling downstream: the client keeps one GET parked; the server answers it with a batch of
 * everything queued (or an empty body after pollTimeoutMs), and the client polls again at once.
 * Binary travels as binary. Upstream is HTTP POST (the router's).
 *
 * A parked poll is a `PollSink`: the HTTP response here, or (cluster) a poll that another node
 * received and relays through the backplane. Its timeout runs on the session's tick, not on a timer.
 * The HTTP response encodes an answer of at least the compression threshold with gzip/brotli when
 * the request accepts it (zlib, off the event loop), and on HTTP/2 ends only its stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encode, encodeBatch, type Envelope, type Frame, TransportLabError } from '../../protocol/index.js';
import { responseGone, type SessionQuery } from '../http.js';
import {
  type HostedSession,
  type PollSink,
  ServerConnection,
  type TransportFactory,
  type TransportHost,
} from '../transport.js';
import { responseSink } from './poll-sink.js';

/** A poll parked this long is idle: it is held by its socket alone (poll-sink.ts). */
const IDLE_POLL_MS = 1000;

export class LongPollingConnection extends ServerConnection {
  readonly transport = 'long-polling' as const;
  /** Frames for the next answer (made on the first). */
  private queue: Frame[] | null = null;
  private queuedBytes = 0;
  /** Highest data seq queued, and highest written in an answer. */
  private queuedUpTo = 0;
  private answeredUpTo = 0;
  /** The poll waiting for something to answer with, since when, and whether it was found idle. */
  private parked: PollSink | null = null;
  private parkedAt = 0;
  private parkedIdle = false;
  private flushScheduled = false;
  private closing = false;
  /** Answers written and not yet flushed (null when none). */
  private answering: PollSink[] | null = null;

  constructor(private readonly pollTimeoutMs: number) {
    super();
  }

  /** Queued for the next poll, plus answers still on their way out. */
  get bufferedAmount(): number {
    let bytes = this.queuedBytes;
    if (this.answering) for (const sink of this.answering) bytes += sink.pending;
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
    this.parked = sink;
    this.parkedAt = Date.now();
    this.parkedIdle = false;
    // An unanswered sink is the parked one (or what it became when idle): no other can go away unanswered.
    sink.onGone(() => {
      if (this.parked === null) return;
      this.parked = null;
      this.lost(); // the client went away with a poll parked
    });
    if (this.queue) this.scheduleFlush();
  }

  /**
   * A parked poll is answered, empty, once it has waited pollTimeoutMs (it is the heartbeat); once it
   * has waited IDLE_POLL_MS it is held by the lightest sink it has.
   */
  override tick(now: number): void {
    super.tick(now);
    const parked = this.parked;
    if (!parked) return;
    const waited = now - this.parkedAt;
    if (waited >= this.pollTimeoutMs) return this.flush();
    if (waited >= IDLE_POLL_MS && !this.parkedIdle) {
      this.parkedIdle = true;
      this.parked = parked.idle?.() ?? parked;
    }
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
    if (this.answering) for (const sink of this.answering) sink.destroy();
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
    const sink = this.parked;
    if (!sink) return;
    this.parked = null;
    const body = encodeBatch(this.queue ?? []);
    this.answeredUpTo = this.queuedUpTo;
    this.queue = null;
    this.queuedBytes = 0;
    const flushed = this.trackWrite();
    (this.answering ??= []).push(sink);
    sink.answer(body, this.closing, () => {
      this.answered(sink);
      flushed();
    });
  }

  private answered(sink: PollSink): void {
    const answering = this.answering;
    const at = answering ? answering.indexOf(sink) : -1;
    if (at < 0) return;
    answering!.splice(at, 1);
    if (answering!.length === 0) this.answering = null;
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
  const open = async (req: IncomingMessage, res: ServerResponse, query: SessionQuery) => {
    const admission = await host.admit(req, query, 'long-polling');
    if (responseGone(res)) return; // the client left while it was being admitted
    host.open(admission, () => {
      const connection = new LongPollingConnection(pollTimeoutMs);
      connection.poll(sinkOf(req, res));
      return connection;
    });
  };
  return {
    get(req, res, query: SessionQuery) {
      if (query.open) return open(req, res, query);
      const session = host.findOrRelay(query);
      if (session) return continuePoll(session, sinkOf(req, res), query.ack, pollTimeoutMs);
      return host.relayPoll(query, sinkOf(req, res));
    },
  };
};
