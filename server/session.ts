/**
 * A Session is the server's side of one client: it outlives the transport connections under it. It
 * numbers outbound messages, keeps them until the client acknowledges them, drops inbound duplicates,
 * resends after a reconnect, and ends when its client has been gone longer than the grace period. The
 * application never sees it: it holds the session's `connection` (server/connection.ts).
 */
import { randomBytes } from 'node:crypto';
import {
  type AckOwner,
  AckSchedule,
  CloseCodes,
  decode,
  type Envelope,
  type Frame,
  type Hello,
  type Log,
  type LogLevel,
  type Payload,
  type Sequencer,
  type TransportName,
  TransportLabError,
  assertPayloadWithin,
  fromPayload,
  toPayload,
} from '../protocol/index.js';
import type { Backplane, BackplaneSession, ReleaseReason, SessionSnapshot } from './backplane.js';
import { type ConnectionTarget, type RequestInfo, SessionConnection, type TransportChange } from './connection.js';
import { Outbox } from './outbox.js';
import type { ConnectionOwner, HostedSession, ServerConnection } from './transport.js';

export interface SessionOptions {
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  graceMs: number;
  maxMessageBytes: number;
  maxBatchBytes: number;
  /**
   * What one session may hold: unacknowledged messages (kept once, shared by every connection that
   * resends them) + bytes its connection has handed to the socket but not flushed (control replies
   * included) + upstream bodies being read. Past it the consumer counts as slow (1013).
   */
  maxBufferedBytes: number;
  maxJsonDepth: number;
  writeTimeoutMs: number;
  ackEvery: number;
  ackDelayMs: number;
}

/** What the server provides a session: room bookkeeping, the end of the session, its log, the backplane. */
export interface SessionHost {
  ended(session: Session, code: number, reason: string): void;
  joined(session: Session, room: string): void;
  left(session: Session, room: string): void;
  log: Log;
  readonly backplane: Backplane;
}

const NO_ROOMS: ReadonlySet<string> = new Set();
const PING: Envelope = { type: 'ping' };
const PONG: Envelope = { type: 'pong' };

/** A token's ASCII bytes (base64url: one byte per character). */
function tokenBytes(token: string): Buffer {
  return Buffer.from(token, 'latin1');
}

/** 128 bits from the CSPRNG, base64url. */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}

export class Session implements ConnectionOwner, ConnectionTarget, HostedSession, BackplaneSession, AckOwner {
  readonly id: string;
  /**
   * The resume token, kept as its ASCII bytes (compared with what requests present, in constant time,
   * without encoding it again per request); rotated on every resume, so a token seen once (a logged
   * URL) cannot take the session.
   */
  tokenBytes: Buffer;
  /** The token the last resume presented: still accepted until the client shows it has the new one. */
  previousTokenBytes: Buffer | null;
  /** The rooms it joined (made on the first join: most sessions never join one). */
  private joined: Set<string> | null = null;
  get rooms(): ReadonlySet<string> {
    return this.joined ?? NO_ROOMS;
  }
  /** What the application holds for this session. */
  readonly connection: SessionConnection;
  private current: ServerConnection | null = null;
  private probe: ServerConnection | null = null;
  private probeSince = 0;
  private lastTransport: TransportName | null = null;
  private readonly outbox: Outbox;
  private readonly seq: Sequencer;
  private readonly acks: AckSchedule;
  private detachedAt = Date.now();
  private ended = false;
  /** Whether the application was told about this session (its 'connection' event). */
  announced = false;
  private readonly backplane: Backplane;

  /** `restored`: a session taken over from another node of a cluster (its state as the backplane kept it). */
  constructor(
    private readonly options: SessionOptions,
    private readonly host: SessionHost,
    request: RequestInfo,
    user: unknown,
    restored?: SessionSnapshot,
  ) {
    this.backplane = host.backplane;
    this.id = restored?.id ?? randomId();
    this.tokenBytes = tokenBytes(restored?.token ?? randomId());
    this.previousTokenBytes = restored?.previousToken ? tokenBytes(restored.previousToken) : null;
    this.connection = new SessionConnection(this, request, user, restored !== undefined, host.backplane.node);
    this.outbox = new Outbox(options.maxBufferedBytes);
    this.seq = this.outbox.seq;
    this.acks = new AckSchedule(this.seq, this, options.ackEvery, options.ackDelayMs);
    if (restored) {
      this.seq.restore(restored.acknowledged, restored.unconfirmed, restored.received);
      if (restored.rooms.length > 0) this.joined = new Set(restored.rooms);
      this.lastTransport = restored.transport as TransportName | null;
    }
    // On a cluster nothing is written or acknowledged before the backplane says it is durable.
    if (host.backplane.node !== null) this.durable(this.seq.sent, this.seq.received);
  }

  /** Outbound messages up to `outbound` may be written, inbound ones up to `inbound` acknowledged. */
  durable(outbound: number, inbound: number): void {
    if (this.ended) return;
    this.outbox.durableUpTo = outbound;
    this.seq.ackLimit = inbound;
    this.outbox.pump(this.current);
    const c = this.current;
    if (c?.capabilities.upstream === 'connection' && this.seq.unacknowledged > 0)
      this.acks.received(c.capabilities.ack);
  }

  /** What a cluster backplane keeps of this session. */
  snapshot(): SessionSnapshot {
    return {
      id: this.id,
      token: this.token,
      previousToken: this.previousToken,
      acknowledged: this.seq.acknowledged,
      unconfirmed: this.seq.unconfirmed(),
      received: this.seq.received,
      rooms: [...this.rooms],
      transport: this.transport,
      request: this.connection.request,
      user: this.connection.user,
    };
  }

  /** Resolves once what this session recorded is durable (a cluster backplane); null when it is. */
  settled(): Promise<void> | null {
    return this.backplane.settled();
  }

  /**
   * The session continues on another node (or this copy fell behind the durable one): drop it here
   * without ending it. The client is cut (it reconnects and resumes wherever the balancer sends it);
   * the application's Connection says 'moved' and takes nothing more.
   */
  release(why: ReleaseReason): void {
    if (this.ended) return;
    this.ended = true;
    this.acks.cancel();
    const connection = this.current;
    this.current = null;
    const code = { moved: CloseCodes.REPLACED, diverged: CloseCodes.TRY_LATER, shutdown: CloseCodes.GOING_AWAY }[why];
    this.probe?.close(code, why);
    connection?.close(code, why);
    this.log('info', `released (${why})`, { why });
    this.connection.emit('moved', { reason: why });
  }

  /** The resume token (the hello carries it; a cluster backplane keeps it). */
  get token(): string {
    return this.tokenBytes.toString('latin1');
  }

  get previousToken(): string | null {
    return this.previousTokenBytes?.toString('latin1') ?? null;
  }

  /** The transport of the active connection (while the client is away: of the last one). */
  get transport(): TransportName | null {
    return this.current?.transport ?? this.lastTransport;
  }

  /** Whether a connection is attached right now. */
  get connected(): boolean {
    return this.current !== null;
  }

  get activeConnection(): ServerConnection | null {
    return this.current;
  }

  /** Payload bytes sent but not yet acknowledged by the client. */
  get bufferedAmount(): number {
    return this.seq.bufferedBytes;
  }

  get isClosed(): boolean {
    return this.ended;
  }

  /** Rotates the resume token for a connection opened with `presented` (the hello carries the new one). */
  rotateToken(presented: string, next = randomId()): void {
    this.previousTokenBytes = tokenBytes(presented);
    this.tokenBytes = tokenBytes(next);
  }

  /** The client showed it has the current token: the one before it no longer opens the session. */
  retirePreviousToken(): void {
    if (this.previousTokenBytes === null) return;
    this.previousTokenBytes = null;
    this.backplane.tokens(this);
  }

  /** See Outbox.reserveInbound: an upstream body counts against maxBufferedBytes before it is read. */
  reserveInbound(bytes: number): () => void {
    return this.outbox.reserveInbound(bytes, this.current);
  }

  /**
   * Queues a message for the client. Throws MESSAGE_TOO_BIG synchronously. Returns false, buffering
   * nothing, when the unacknowledged buffer would pass maxBufferedBytes: the live connection is then
   * closed with TRY_LATER (1013) so the client reconnects and drains what is buffered.
   */
  send(data: unknown): boolean {
    return this.sendPayload(toPayload(data, this.options.maxMessageBytes));
  }

  sendPayload(payload: Payload): boolean {
    if (this.ended) return false;
    if (!this.outbox.fits(payload.bytes, this.current)) {
      this.slowConsumer('send refused');
      return false;
    }
    this.backplane.queued(this, this.outbox.queue(payload, this.current), payload);
    // Past half the budget, ask the client for its (lazy) ack rather than wait for it.
    const c = this.current;
    if (c && c.capabilities.ack !== 'poll' && this.acks.shouldAsk(this.options.maxBufferedBytes)) this.ping(c);
    return true;
  }

  /** Writes a control envelope (pong, ack, ping) at once; past maxBufferedBytes the consumer is slow. */
  private control(connection: ServerConnection, envelope: Envelope): void {
    connection.send(envelope);
    if (connection === this.current && !this.outbox.fits(0, connection)) this.slowConsumer('control replies piled up');
  }

  /** A ping: a heartbeat, or a request for the client's ack (its answer carries both). */
  private ping(connection: ServerConnection): void {
    connection.lastPingAt = Date.now();
    this.control(connection, PING);
  }

  /** The client does not take what it is sent: cut it with 1013; it resumes and drains later. */
  private slowConsumer(why: string): void {
    const heldBytes = this.outbox.heldBytes(this.current);
    this.log('warn', `slow consumer (${why}): ${heldBytes} bytes held`, {
      bufferedBytes: this.seq.bufferedBytes,
      heldBytes,
    });
    this.current?.close(CloseCodes.TRY_LATER, 'SLOW_CONSUMER');
    this.report(new TransportLabError('SLOW_CONSUMER'));
  }

  join(room: string): void {
    if (this.ended || this.joined?.has(room)) return;
    (this.joined ??= new Set()).add(room);
    this.host.joined(this, room);
  }

  leave(room: string): void {
    if (this.joined?.delete(room)) this.host.left(this, room);
  }

  /** Ends the session for good; the client is told and does not reconnect (for NORMAL, the default). */
  close(code: number = CloseCodes.NORMAL, reason = ''): void {
    if (this.ended) return;
    this.ended = true;
    this.acks.cancel();
    const connection = this.current;
    this.current = null;
    this.probe?.close(code, reason);
    connection?.close(code, reason);
    for (const room of this.rooms) this.host.left(this, room);
    this.log('info', `closed (${code}${reason ? ` ${reason}` : ''})`, { code, reason });
    this.host.ended(this, code, reason);
    this.connection.emit('close', { code, reason });
  }

  /**
   * Puts a new connection under this session. A probe (upgrade candidate) only gets the hello and
   * answers pings until the client sends `u`; anything else replaces the active connection at once.
   */
  attach(connection: ServerConnection, opts: { probe: boolean; resumed: boolean; clientAck: number }): void {
    this.own(connection);
    if (opts.resumed && !this.clientAcked(opts.clientAck)) {
      return this.refuse(connection, new TransportLabError('BAD_SEQUENCE', 'ack beyond what was sent'));
    }
    // A probe stays a probe even while the session is detached: the client treats it as one (drops
    // data on it, then says `u`), so activating it here would make its `u` a protocol error.
    const probe = opts.probe;
    connection.send({ type: 'hello', hello: this.hello(connection.transport, opts.resumed, probe) });
    this.seq.ackedUpTo(this.seq.ackable);
    const what = probe ? 'probe' : opts.resumed ? 'resumed' : 'opened';
    this.log(probe ? 'debug' : 'info', `${what} on ${connection.transport}`, { transport: connection.transport });
    if (probe) {
      this.probe?.close(CloseCodes.REPLACED, 'replaced by a newer probe');
      this.probe = connection;
      this.probeSince = Date.now();
    } else {
      this.activate(connection, 'reconnect');
    }
  }

  /**
   * A connection that continues the session without a hello: a plain (not `open=1`) poll whose
   * long-polling connection, or that connection's last answer, was lost. The client never saw its poll
   * fail (browsers resend an idempotent GET by themselves when the connection under it dies before
   * any response byte), so it is mid-stream. Anything unacknowledged past `clientAck` goes out on it.
   */
  continueOn(connection: ServerConnection, clientAck: number): void {
    this.own(connection);
    if (!this.clientAcked(clientAck)) {
      return this.refuse(connection, new TransportLabError('BAD_SEQUENCE', 'ack beyond what was sent'));
    }
    this.log('debug', `continued on a fresh ${connection.transport} connection`, { transport: connection.transport });
    this.activate(connection, 'reconnect', false);
  }

  private own(connection: ServerConnection): void {
    connection.owner = this;
    const { maxBufferedBytes, writeTimeoutMs } = this.options;
    connection.limits = {
      highWaterMark: Math.min(256 * 1024, Math.max(16 * 1024, maxBufferedBytes / 8)),
      writeTimeoutMs,
    };
  }

  /**
   * Makes `connection` the active one and resends everything unacknowledged on it, as it drains. A
   * fresh connection of a transport verified by a round trip gets its backlog after the client's first
   * frame (its verification ping): a large backlog on a slow link must not delay the pong.
   */
  private activate(connection: ServerConnection, reason: TransportChange['reason'], fresh = true): void {
    const previous = this.current;
    this.current = connection;
    if (previous && previous !== connection) {
      this.log('debug', `${previous.transport} connection replaced (${reason})`, { transport: previous.transport });
      previous.close(CloseCodes.REPLACED, 'replaced');
    }
    this.outbox.restart(connection, fresh && connection.capabilities.verify === 'round-trip');
    const from = this.lastTransport;
    this.lastTransport = connection.transport;
    if (from !== null && from !== connection.transport) {
      this.log('info', `moved ${from} → ${connection.transport} (${reason})`, {
        from,
        to: connection.transport,
        reason,
      });
      this.connection.emit('transport', { from, to: connection.transport, reason } satisfies TransportChange);
    }
  }

  /**
   * Handles one inbound envelope. `via` is the connection it came on, or null for an upstream POST.
   * Throws TransportLabError for protocol violations (the caller closes or answers with its code).
   * A data payload's size was checked where its frame was decoded (onFrame, the router's POST).
   */
  receive(envelope: Envelope, via: ServerConnection | null): void {
    if (this.ended) return;
    switch (envelope.type) {
      case 'data': {
        if (envelope.ack !== undefined) this.acknowledge(envelope.ack);
        // JSON_TOO_DEEP / BAD_JSON before it counts as received
        const data = fromPayload(envelope.kind, envelope.body, this.options.maxJsonDepth);
        const arrival = this.seq.arrive(envelope.seq);
        if (arrival === 'duplicate') return; // a resent message we already have
        if (arrival === 'gap') throw new TransportLabError('BAD_SEQUENCE');
        if (via) this.acks.received(via.capabilities.ack);
        const body = envelope.body;
        const message = typeof body === 'string' ? data : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
        this.backplane.delivering(this, envelope.seq, () => this.deliverToApp(message));
        return;
      }
      case 'ack':
        return this.acknowledge(envelope.ack);
      case 'ping': {
        // Answered with a pong and, where acks are lazy, the ack (a POST's answer carries it anyway).
        const to = via ?? this.current;
        if (!to) return;
        this.control(to, envelope.id === undefined ? PONG : { type: 'pong', id: envelope.id });
        if (via) this.acks.now();
        return;
      }
      case 'pong':
        return;
      case 'upgrade': {
        // A probe with its own upstream says `u` on itself; one whose upstream is POST says it by POST.
        const probe = via ?? (this.probe?.capabilities.upstream === 'post' ? this.probe : null);
        if (probe === null || probe !== this.probe)
          throw new TransportLabError('BAD_ENVELOPE', 'upgrade outside a probe');
        this.probe = null;
        return this.activate(probe, 'upgrade', false);
      }
      case 'close':
        return this.close(CloseCodes.NORMAL, envelope.reason);
      default:
        throw new TransportLabError('BAD_ENVELOPE', `clients do not send ${envelope.type}`);
    }
  }

  /**
   * Applies an upstream batch in order. Of its pings only the last is answered: a pong says the
   * server is alive, and a batch of pings must not become a pile of pongs on a stream nobody reads.
   */
  receiveBatch(envelopes: readonly Envelope[]): void {
    let lastPing = -1;
    envelopes.forEach((e, i) => e.type === 'ping' && (lastPing = i));
    envelopes.forEach((envelope, i) => {
      if (envelope.type !== 'ping' || i === lastPing) this.receive(envelope, null);
    });
  }

  /** The cumulative ack to put in an upstream POST response; marks it as sent. */
  takeAckForResponse(): number {
    this.acks.cancel();
    this.seq.ackedUpTo(this.seq.ackable);
    return this.seq.ackable;
  }

  /**
   * The message counts as delivered once the listeners ran. A listener that throws is the
   * application's bug, not the client's: the error goes to the connection's 'error' listeners (or to
   * the logger, else stderr, when there are none) and the connection stays up; the client is not cut
   * with a protocol code it did not earn.
   */
  private deliverToApp(data: unknown): void {
    try {
      this.connection.emit('message', data);
    } catch (error) {
      this.report(error as Error);
    }
  }

  /** 'error' is informational here: with no listener, our own codes are dropped, the app's bugs logged. */
  private report(error: Error): void {
    if (this.connection.listenerCount('error') > 0) this.connection.emit('error', error);
    else if (!(error instanceof TransportLabError))
      console.error(`transport-lab: a 'message' listener of session ${this.id} threw:`, error);
  }

  /** Connection-owner side: a frame arrived on a connection. Bad input closes it with its code. */
  onFrame(connection: ServerConnection, frame: Frame): void {
    if (connection !== this.current && connection !== this.probe) return; // late frame from a replaced connection
    // A frame on the active connection after its hello: the client holds the token the hello carried.
    if (connection === this.current) this.retirePreviousToken();
    try {
      const envelope = decode(frame);
      assertPayloadWithin(envelope, this.options.maxMessageBytes);
      this.receive(envelope, connection);
    } catch (error) {
      return this.refuse(connection, TransportLabError.from(error));
    }
    if (connection === this.current) this.outbox.heard(connection);
  }

  onWritable(connection: ServerConnection): void {
    if (connection === this.current) this.outbox.pump(connection);
  }

  /** Closes a connection for what arrived on it: the client's fault (its code), or our bug (1011). */
  private refuse(connection: ServerConnection, error: TransportLabError): void {
    const internal = error.code === 'INTERNAL_ERROR';
    this.log(internal ? 'error' : 'warn', `${connection.transport} connection refused: ${error.code}`, {
      transport: connection.transport,
      code: error.code,
      closeCode: error.closeCode,
      message: error.message,
      ...(internal ? { cause: error.cause } : {}),
    });
    connection.close(error.closeCode, error.code);
  }

  onConnectionGone(connection: ServerConnection): void {
    if (connection === this.probe) this.probe = null;
    if (connection !== this.current) return;
    this.current = null;
    this.detachedAt = Date.now();
    this.log('debug', `${connection.transport} connection gone`, { transport: connection.transport });
    this.connection.emit('disconnect', undefined);
  }

  /** Called by the server's ticker: heartbeats, dead-peer detection, write timeouts, grace expiry. */
  tick(now: number): void {
    if (this.ended) return;
    const { heartbeatMs, heartbeatTimeoutMs, graceMs } = this.options;
    this.probe?.tick(now);
    // A probe the client never promoted (a stalled path, a client that gave up) does not linger.
    if (this.probe && now - this.probeSince > heartbeatMs + heartbeatTimeoutMs)
      this.probe.close(CloseCodes.HEARTBEAT_TIMEOUT, 'PROBE_TIMEOUT');
    const c = this.current;
    if (!c) {
      if (now - this.detachedAt > graceMs) this.close(CloseCodes.GOING_AWAY, 'SESSION_EXPIRED');
      return;
    }
    c.tick(now);
    for (const connection of [c, this.probe]) {
      if (connection && connection.stalledFor(now) > this.options.writeTimeoutMs) {
        this.log('warn', `write timeout on ${connection.transport}: the client stopped reading`, {
          transport: connection.transport,
        });
        connection.abort();
        if (connection === c)
          this.report(new TransportLabError('SLOW_CONSUMER', 'Write timeout: the client stopped reading'));
      }
    }
    if (!c.isOpen) return;
    if (now - c.lastInboundAt > heartbeatMs + heartbeatTimeoutMs) {
      this.log('info', `heartbeat timeout on ${c.transport}`, { transport: c.transport });
      c.close(CloseCodes.HEARTBEAT_TIMEOUT, 'HEARTBEAT_TIMEOUT');
    } else if (
      // Pinged when either direction was quiet for heartbeatMs: the client hears the server, and a
      // client that only receives answers (with its lazy ack), at most once per heartbeatMs.
      c.capabilities.heartbeat === 'ping' &&
      now - Math.min(c.lastInboundAt, c.lastOutboundAt) >= heartbeatMs &&
      now - c.lastPingAt >= heartbeatMs
    ) {
      this.ping(c);
    }
  }

  private log(level: LogLevel, message: string, fields: Record<string, unknown>): void {
    this.host.log(level, `session ${this.id} ${message}`, { sid: this.id, ...fields });
  }

  private acknowledge(ack: number): void {
    if (!this.clientAcked(ack)) throw new TransportLabError('BAD_SEQUENCE', 'ack beyond what was sent');
  }

  /** The client's cumulative ack; false when it is beyond what was sent. */
  private clientAcked(ack: number): boolean {
    const before = this.seq.acknowledged;
    if (!this.seq.acknowledge(ack)) return false;
    if (this.seq.acknowledged > before) this.backplane.acknowledged(this, this.seq.acknowledged);
    return true;
  }

  /** Sends the ack to the client now (AckOwner: protocol/acks.ts decides when). */
  flushAck(): void {
    if (!this.current) return;
    const ack = this.seq.takeAck();
    if (ack !== undefined) this.control(this.current, { type: 'ack', ack });
  }

  private hello(transport: TransportName, resumed: boolean, probe: boolean): Hello {
    const o = this.options;
    return {
      sid: this.id,
      token: this.token,
      transport,
      ack: this.seq.ackable,
      resumed,
      probe,
      heartbeatMs: o.heartbeatMs,
      heartbeatTimeoutMs: o.heartbeatTimeoutMs,
      graceMs: o.graceMs,
      maxMessageBytes: o.maxMessageBytes,
      maxBatchBytes: o.maxBatchBytes,
      maxJsonDepth: o.maxJsonDepth,
      ...(this.backplane.node === null ? {} : { node: this.backplane.node }),
    };
  }
}
