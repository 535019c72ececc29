/**
 * A Session is the server's side of one client: it outlives the transport connections under it. It
 * numbers outbound messages, keeps them until the client acknowledges them, drops inbound duplicates,
 * resends after a reconnect, and ends when its client has been gone longer than the grace period. The
 * application never sees it: it holds the session's `connection` (server/connection.ts).
 */
import { randomBytes } from 'node:crypto';
import {
  CloseCodes,
  decode,
  type Envelope,
  type Frame,
  type Hello,
  type Log,
  type LogLevel,
  type Payload,
  Sequencer,
  type TransportName,
  TransportLabError,
  assertPayloadWithin,
  fromPayload,
  toPayload,
} from '../protocol/index.js';
import { type ConnectionTarget, type RequestInfo, SessionConnection, type TransportChange } from './connection.js';
import type { ConnectionOwner, HostedSession, ServerConnection } from './transport.js';

export interface SessionOptions {
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  graceMs: number;
  maxMessageBytes: number;
  maxBatchBytes: number;
  maxBufferedBytes: number;
  ackEvery: number;
  ackDelayMs: number;
}

/** What the server provides a session: room bookkeeping, the end of the session, its log. */
export interface SessionHost {
  ended(session: Session, code: number, reason: string): void;
  joined(session: Session, room: string): void;
  left(session: Session, room: string): void;
  log: Log;
}

/** 128 bits from the CSPRNG, base64url. */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}

export class Session implements ConnectionOwner, ConnectionTarget, HostedSession {
  readonly id = randomId();
  readonly token = randomId();
  readonly rooms = new Set<string>();
  /** What the application holds for this session. */
  readonly connection: SessionConnection;
  private current: ServerConnection | null = null;
  private probe: ServerConnection | null = null;
  private probeSince = 0;
  private lastTransport: TransportName | null = null;
  private readonly seq = new Sequencer();
  private ackTimer: ReturnType<typeof setTimeout> | null = null;
  private detachedAt = Date.now();
  private ended = false;

  constructor(
    private readonly options: SessionOptions,
    private readonly host: SessionHost,
    request: RequestInfo,
  ) {
    this.connection = new SessionConnection(this, request);
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
    if (this.seq.bufferedBytes + payload.bytes > this.options.maxBufferedBytes) {
      this.log('warn', `slow consumer: ${this.seq.bufferedBytes} bytes unacknowledged, send refused`, {
        bufferedBytes: this.seq.bufferedBytes,
      });
      this.current?.close(CloseCodes.TRY_LATER, 'SLOW_CONSUMER');
      this.report(new TransportLabError('SLOW_CONSUMER'));
      return false;
    }
    const seq = this.seq.queue(payload);
    this.current?.send([this.seq.envelope(seq, payload)]);
    return true;
  }

  join(room: string): void {
    if (this.ended || this.rooms.has(room)) return;
    this.rooms.add(room);
    this.host.joined(this, room);
  }

  leave(room: string): void {
    if (this.rooms.delete(room)) this.host.left(this, room);
  }

  /** Ends the session for good; the client is told and does not reconnect (for NORMAL, the default). */
  close(code: number = CloseCodes.NORMAL, reason = ''): void {
    if (this.ended) return;
    this.ended = true;
    this.clearAckTimer();
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
    connection.owner = this;
    if (opts.resumed && !this.seq.acknowledge(opts.clientAck)) {
      return this.refuse(connection, new TransportLabError('BAD_SEQUENCE', 'ack beyond what was sent'));
    }
    // A probe stays a probe even while the session is detached: the client treats it as one (drops
    // data on it, then says `u`), so activating it here would make its `u` a protocol error.
    const probe = opts.probe;
    connection.send([{ type: 'hello', hello: this.hello(connection.transport, opts.resumed, probe) }]);
    this.seq.ackedUpTo(this.seq.received);
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
    connection.owner = this;
    if (!this.seq.acknowledge(clientAck)) {
      return this.refuse(connection, new TransportLabError('BAD_SEQUENCE', 'ack beyond what was sent'));
    }
    this.log('debug', `continued on a fresh ${connection.transport} connection`, { transport: connection.transport });
    this.activate(connection, 'reconnect');
  }

  private activate(connection: ServerConnection, reason: TransportChange['reason']): void {
    const previous = this.current;
    this.current = connection;
    if (previous && previous !== connection) {
      this.log('debug', `${previous.transport} connection replaced (${reason})`, { transport: previous.transport });
      previous.close(CloseCodes.REPLACED, 'replaced');
    }
    connection.send(this.seq.resend());
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
   */
  receive(envelope: Envelope, via: ServerConnection | null): void {
    if (this.ended) return;
    switch (envelope.type) {
      case 'data': {
        if (envelope.ack !== undefined) this.acknowledge(envelope.ack);
        assertPayloadWithin(envelope, this.options.maxMessageBytes);
        const data = fromPayload(envelope.kind, envelope.body); // BAD_JSON before it counts as received
        const arrival = this.seq.arrive(envelope.seq);
        if (arrival === 'duplicate') return; // a resent message we already have
        if (arrival === 'gap') throw new TransportLabError('BAD_SEQUENCE');
        if (via) this.scheduleAck();
        const body = envelope.body;
        this.deliverToApp(typeof body === 'string' ? data : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
        return;
      }
      case 'ack':
        return this.acknowledge(envelope.ack);
      case 'ping':
        return (via ?? this.current)?.send([{ type: 'pong', id: envelope.id }]);
      case 'pong':
        return;
      case 'upgrade': {
        // A probe with its own upstream says `u` on itself; one whose upstream is POST says it by POST.
        const probe = via ?? (this.probe?.capabilities.upstream === 'post' ? this.probe : null);
        if (probe === null || probe !== this.probe)
          throw new TransportLabError('BAD_ENVELOPE', 'upgrade outside a probe');
        this.probe = null;
        return this.activate(probe, 'upgrade');
      }
      case 'close':
        return this.close(CloseCodes.NORMAL, envelope.reason);
      default:
        throw new TransportLabError('BAD_ENVELOPE', `clients do not send ${envelope.type}`);
    }
  }

  /** The cumulative ack to put in an upstream POST response; marks it as sent. */
  takeAckForResponse(): number {
    this.clearAckTimer();
    this.seq.ackedUpTo(this.seq.received);
    return this.seq.received;
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
    try {
      this.receive(decode(frame), connection);
    } catch (error) {
      this.refuse(connection, TransportLabError.from(error));
    }
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

  /** Called by the server's ticker: heartbeats, dead-peer detection, grace expiry. */
  tick(now: number): void {
    if (this.ended) return;
    const { heartbeatMs, heartbeatTimeoutMs, graceMs } = this.options;
    // A probe the client never promoted (a stalled path, a client that gave up) does not linger.
    if (this.probe && now - this.probeSince > heartbeatMs + heartbeatTimeoutMs)
      this.probe.close(CloseCodes.HEARTBEAT_TIMEOUT, 'PROBE_TIMEOUT');
    const c = this.current;
    if (!c) {
      if (now - this.detachedAt > graceMs) this.close(CloseCodes.GOING_AWAY, 'SESSION_EXPIRED');
      return;
    }
    if (now - c.lastInboundAt > heartbeatMs + heartbeatTimeoutMs) {
      this.log('info', `heartbeat timeout on ${c.transport}`, { transport: c.transport });
      c.close(CloseCodes.HEARTBEAT_TIMEOUT, 'HEARTBEAT_TIMEOUT');
    } else if (c.capabilities.heartbeat === 'ping' && now - c.lastOutboundAt >= heartbeatMs) {
      c.send([{ type: 'ping' }]);
    }
  }

  private log(level: LogLevel, message: string, fields: Record<string, unknown>): void {
    this.host.log(level, `session ${this.id} ${message}`, { sid: this.id, ...fields });
  }

  private acknowledge(ack: number): void {
    if (!this.seq.acknowledge(ack)) throw new TransportLabError('BAD_SEQUENCE', 'ack beyond what was sent');
  }

  private scheduleAck(): void {
    if (this.seq.unacknowledged >= this.options.ackEvery) return this.flushAck();
    this.ackTimer ??= setTimeout(() => this.flushAck(), this.options.ackDelayMs);
  }

  private flushAck(): void {
    this.clearAckTimer();
    if (!this.current) return;
    const ack = this.seq.takeAck();
    if (ack !== undefined) this.current.send([{ type: 'ack', ack }]);
  }

  private clearAckTimer(): void {
    if (this.ackTimer) {
      clearTimeout(this.ackTimer);
      this.ackTimer = null;
    }
  }

  private hello(transport: TransportName, resumed: boolean, probe: boolean): Hello {
    const o = this.options;
    return {
      sid: this.id,
      token: this.token,
      transport,
      ack: this.seq.received,
      resumed,
      probe,
      heartbeatMs: o.heartbeatMs,
      heartbeatTimeoutMs: o.heartbeatTimeoutMs,
      graceMs: o.graceMs,
      maxMessageBytes: o.maxMessageBytes,
      maxBatchBytes: o.maxBatchBytes,
    };
  }
}
