/**
 * A Session is what the application calls a connection (`conn`): it outlives the transport
 * connections under it. It numbers outbound messages, keeps them until the client acknowledges them,
 * drops inbound duplicates, resends after a reconnect, and ends when its client has been gone longer
 * than the grace period.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  CloseCodes,
  type Envelope,
  type Hello,
  type Payload,
  Sequencer,
  type TransportName,
  TransportLabError,
  assertPayloadWithin,
  fromPayload,
  toPayload,
} from '../protocol/index.js';
import type { ConnectionOwner, ServerConnection } from './transport.js';

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

export interface SessionHooks {
  ended(session: Session): void;
  joined(session: Session, room: string): void;
  left(session: Session, room: string): void;
}

export interface TransportChange {
  from: TransportName | null;
  to: TransportName;
  reason: 'reconnect' | 'upgrade';
}

/** 128 bits from the CSPRNG, base64url. */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}

export class Session extends EventEmitter implements ConnectionOwner {
  readonly id = randomId();
  readonly token = randomId();
  readonly rooms = new Set<string>();
  private connection: ServerConnection | null = null;
  private probe: ServerConnection | null = null;
  private probeSince = 0;
  private lastTransport: TransportName | null = null;
  private readonly seq = new Sequencer();
  private ackTimer: ReturnType<typeof setTimeout> | null = null;
  private detachedAt = Date.now();
  private ended = false;

  constructor(
    private readonly options: SessionOptions,
    private readonly hooks: SessionHooks,
  ) {
    super();
  }

  /** The transport of the active connection (while the client is away: of the last one). */
  get transport(): TransportName | null {
    return this.connection?.transport ?? this.lastTransport;
  }

  /** Whether a connection is attached right now. */
  get connected(): boolean {
    return this.connection !== null;
  }

  get activeConnection(): ServerConnection | null {
    return this.connection;
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
   * closed with 1013 so the client reconnects and drains what is buffered.
   */
  send(data: unknown): boolean {
    return this.sendPayload(toPayload(data, this.options.maxMessageBytes));
  }

  sendPayload(payload: Payload): boolean {
    if (this.ended) return false;
    if (this.seq.bufferedBytes + payload.bytes > this.options.maxBufferedBytes) {
      this.connection?.close(CloseCodes.TRY_LATER, 'SLOW_CONSUMER');
      this.report(new TransportLabError('SLOW_CONSUMER'));
      return false;
    }
    const seq = this.seq.queue(payload);
    this.connection?.send([this.seq.envelope(seq, payload)]);
    return true;
  }

  join(room: string): void {
    if (this.ended || this.rooms.has(room)) return;
    this.rooms.add(room);
    this.hooks.joined(this, room);
  }

  leave(room: string): void {
    if (this.rooms.delete(room)) this.hooks.left(this, room);
  }

  /** Ends the session for good; the client is told and does not reconnect (for 1000). */
  close(code: number = CloseCodes.NORMAL, reason = ''): void {
    if (this.ended) return;
    this.ended = true;
    this.clearAckTimer();
    const connection = this.connection;
    this.connection = null;
    this.probe?.close(code, reason);
    connection?.close(code, reason);
    for (const room of this.rooms) this.hooks.left(this, room);
    this.hooks.ended(this);
    this.emit('close', { code, reason });
  }

  /**
   * Puts a new connection under this session. A probe (upgrade candidate) only gets the hello and
   * answers pings until the client sends `u`; anything else replaces the active connection at once.
   */
  attach(connection: ServerConnection, opts: { probe: boolean; resumed: boolean; clientAck: number }): void {
    connection.owner = this;
    if (opts.resumed && !this.seq.acknowledge(opts.clientAck))
      return connection.close(CloseCodes.BAD_DATA, 'BAD_SEQUENCE');
    // A probe stays a probe even while the session is detached: the client treats it as one (drops
    // data on it, then says `u`), so activating it here would make its `u` a protocol error.
    const probe = opts.probe;
    connection.send([{ type: 'hello', hello: this.hello(connection.transport, opts.resumed, probe) }]);
    this.seq.ackedUpTo(this.seq.received);
    if (probe) {
      this.probe?.close(CloseCodes.REPLACED, 'replaced by a newer probe');
      this.probe = connection;
      this.probeSince = Date.now();
    } else {
      this.activate(connection, 'reconnect');
    }
  }

  /**
   * A plain (not `open=1`) poll whose long-polling connection, or that connection's last answer, was
   * lost: the client never saw its poll fail (browsers resend an idempotent GET by themselves when
   * the connection under it dies before any response byte). Continue on a fresh connection, no
   * hello: the client is mid-stream. Anything unacknowledged past the poll's ack goes out on it.
   */
  continuePolling(connection: ServerConnection, clientAck: number): void {
    connection.owner = this;
    if (!this.seq.acknowledge(clientAck)) return connection.close(CloseCodes.BAD_DATA, 'BAD_SEQUENCE');
    this.activate(connection, 'reconnect');
  }

  private activate(connection: ServerConnection, reason: TransportChange['reason']): void {
    const previous = this.connection;
    this.connection = connection;
    if (previous && previous !== connection) previous.close(CloseCodes.REPLACED, 'replaced');
    connection.send(this.seq.resend());
    const from = this.lastTransport;
    this.lastTransport = connection.transport;
    if (from !== null && from !== connection.transport) {
      this.emit('transport', { from, to: connection.transport, reason } satisfies TransportChange);
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
        return (via ?? this.connection)?.send([{ type: 'pong', id: envelope.id }]);
      case 'pong':
        return;
      case 'upgrade': {
        // A WebSocket probe says `u` itself; an SSE probe cannot speak, so its `u` comes by POST.
        const probe = via ?? (this.probe?.transport === 'sse' ? this.probe : null);
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
   * application's bug, not the client's: the error goes to the session's 'error' listeners (or to
   * stderr when there are none) and the connection stays up; the client is not cut with a
   * protocol code it did not earn.
   */
  private deliverToApp(data: unknown): void {
    try {
      this.emit('message', data);
    } catch (error) {
      this.report(error as Error);
    }
  }

  /** 'error' is informational here: with no listener, our own codes are dropped, the app's bugs logged. */
  private report(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else if (!(error instanceof TransportLabError))
      console.error(`transport-lab: a 'message' listener of session ${this.id} threw:`, error);
  }

  /** Connection-owner side: a frame arrived on a connection. */
  onEnvelope(connection: ServerConnection, envelope: Envelope): void {
    if (connection !== this.connection && connection !== this.probe) return; // late frame from a replaced connection
    try {
      this.receive(envelope, connection);
    } catch (error) {
      const e = error instanceof TransportLabError ? error : new TransportLabError('BAD_ENVELOPE');
      connection.close(e.closeCode, e.code);
    }
  }

  onConnectionGone(connection: ServerConnection): void {
    if (connection === this.probe) this.probe = null;
    if (connection !== this.connection) return;
    this.connection = null;
    this.detachedAt = Date.now();
    this.emit('disconnect');
  }

  /** Called by the server's ticker: heartbeats, dead-peer detection, grace expiry. */
  tick(now: number): void {
    if (this.ended) return;
    const { heartbeatMs, heartbeatTimeoutMs, graceMs } = this.options;
    // A probe the client never promoted (a stalled path, a client that gave up) does not linger.
    if (this.probe && now - this.probeSince > heartbeatMs + heartbeatTimeoutMs)
      this.probe.close(CloseCodes.HEARTBEAT_TIMEOUT, 'PROBE_TIMEOUT');
    const c = this.connection;
    if (!c) {
      if (now - this.detachedAt > graceMs) this.close(CloseCodes.GOING_AWAY, 'SESSION_EXPIRED');
      return;
    }
    if (now - c.lastInboundAt > heartbeatMs + heartbeatTimeoutMs) {
      c.close(CloseCodes.HEARTBEAT_TIMEOUT, 'HEARTBEAT_TIMEOUT');
    } else if (c.transport !== 'long-polling' && now - c.lastOutboundAt >= heartbeatMs) {
      c.send([{ type: 'ping' }]);
    }
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
    if (!this.connection) return;
    const ack = this.seq.takeAck();
    if (ack !== undefined) this.connection.send([{ type: 'ack', ack }]);
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
