/**
 * The Client: one session over whichever transport works, with verified fallback, upgrade, reconnect
 * and resume. It owns sequence numbers, acks and the outbound buffer; transports only move frames.
 *
 * A transport counts as working only when the server's hello arrived over it within
 * connectTimeoutMs, and, where its capabilities say `verify: 'round-trip'`, a ping/pong round trip
 * completed too: `open` events prove nothing behind a proxy that accepts an upgrade and then stalls,
 * or buffers a stream.
 */
import {
  AckSchedule,
  CloseCodes,
  createLog,
  DEFAULTS,
  type Envelope,
  type Hello,
  type Log,
  Sequencer,
  TRANSPORT_CAPABILITIES,
  TRANSPORTS,
  type TransportName,
  TransportLabError,
  fromPayload,
  isErrorCode,
  toPayload,
} from '../protocol/index.js';
import { type Attempt, type ClientEvents, type ClientOptions, type ClientState, TransportError } from './api.js';
import { Emitter } from './emitter.js';
import { isFinalRefusal } from './refusal.js';
import { plan } from './strategy.js';
import type { ClientTransport, Ending, Platform, TransportOwner, TransportSettings } from './transport.js';
import { CLIENT_TRANSPORTS } from './transports/index.js';

interface Pending {
  probe: boolean;
  verified: boolean;
  /** Data that arrived before the transport was adopted: applied after `open`, dropped if it fails. */
  held: Array<Extract<Envelope, { type: 'data' }>>;
  pingId: number;
  resolve(t: ClientTransport): void;
  reject(e: TransportError): void;
  timer: ReturnType<typeof setTimeout>;
}

export class Client extends Emitter<ClientEvents> {
  state: ClientState = 'connecting';
  private current: ClientTransport | null = null;
  private readonly pending = new Map<ClientTransport, Pending>();
  private sid: string | null = null;
  private token: string | null = null;
  private hello: Hello | null = null;
  private readonly seq = new Sequencer();
  private readonly acks: AckSchedule;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private lastHeardAt = 0;
  private attempt = 0;
  /** When the active connection was adopted: one that dies young does not reset the backoff. */
  private adoptedAt = 0;
  /** The `auth` option's value for this connection walk. */
  private authValue: string | null = null;
  private pingCounter = 0;
  private announced = false;
  private lastTransport: TransportName | null = null;
  private readonly worked = new Set<TransportName>();
  private readonly neverWorked = new Set<TransportName>();
  private readonly transports: TransportName[];
  private readonly settings: TransportSettings;
  private readonly log: Log;
  /** What transports report to: kept off the Client's public surface. */
  private readonly owner: TransportOwner = {
    onEnvelope: (transport, envelope) => this.onEnvelope(transport, envelope),
    onHeard: (transport) => this.onHeard(transport),
    onGone: (transport, reason, ending) => this.onGone(transport, reason, ending),
  };

  constructor(
    baseUrl: string,
    platform: Platform,
    private readonly options: ClientOptions = {},
  ) {
    super();
    this.transports = options.transports ?? [...TRANSPORTS];
    if (this.transports.length === 0 || this.transports.some((t) => !Object.hasOwn(CLIENT_TRANSPORTS, t))) {
      throw new TypeError(`transports must list some of ${TRANSPORTS.join(', ')}`);
    }
    this.log = createLog(options.logger, 'transport-lab:client');
    const ackOwner = { flushAck: () => this.flushAck() }; // kept off the Client's public surface
    this.acks = new AckSchedule(
      this.seq,
      ackOwner,
      options.ackEvery ?? DEFAULTS.ackEvery,
      options.ackDelayMs ?? DEFAULTS.ackDelayMs,
    );
    this.settings = {
      baseUrl,
      platform: { ...platform, ...options.platform },
      headers: options.headers,
      session: () => ({ sid: this.sid, token: this.token }),
      auth: () => this.authValue,
      currentAck: () => this.seq.received,
      maxBatchBytes: () => this.hello?.maxBatchBytes ?? DEFAULTS.maxBatchBytes,
    };
    queueMicrotask(() => void this.establish('connect')); // let the caller attach listeners first
  }

  get transport(): TransportName | null {
    return this.current?.name ?? null;
  }

  /** Session id once the first hello arrived. */
  get id(): string | null {
    return this.sid;
  }

  /** Cluster: the server node the last hello came from (null from a single server). */
  get node(): string | null {
    return this.hello?.node ?? null;
  }

  /** Payload bytes sent but not yet acknowledged by the server. */
  get bufferedAmount(): number {
    return this.seq.bufferedBytes;
  }

  /**
   * Sends a message (string → text, bytes → binary, anything else → JSON). It is buffered until the
   * server acknowledges it, and resent after a reconnect. Throws MESSAGE_TOO_BIG, JSON_TOO_DEEP or BUFFER_FULL.
   */
  send(data: unknown): void {
    if (this.state === 'closed') throw new Error('Client is closed');
    const hello = this.hello;
    const payload = toPayload(
      data,
      hello?.maxMessageBytes ?? DEFAULTS.maxMessageBytes,
      hello?.maxJsonDepth ?? DEFAULTS.maxJsonDepth,
    );
    const maxBufferedBytes = this.options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes;
    if (this.seq.bufferedBytes + payload.bytes > maxBufferedBytes) {
      throw new TransportLabError('BUFFER_FULL', 'Outbound buffer is full: the server has not acknowledged enough');
    }
    const seq = this.seq.queue(payload);
    const current = this.current;
    if (!current) return;
    current.send([this.seq.envelope(seq, payload, this.piggybacks())]);
    // Past half the buffer, ask for the server's ack where it is lazy (POST answers always carry it).
    if (current.capabilities.upstream === 'connection' && this.acks.shouldAsk(maxBufferedBytes))
      current.send([{ type: 'ping' }]);
  }

  /** Ends the session: the server is told, nothing reconnects. */
  close(): void {
    if (this.state === 'closed') return;
    this.current?.sayGoodbye({ type: 'close', code: CloseCodes.NORMAL, reason: 'client closed' });
    this.finish(CloseCodes.NORMAL, 'client closed');
  }

  // ---- establishing a connection: walk the plan, verify each candidate ----

  private async establish(reason: string): Promise<void> {
    this.reconnectTimer = null;
    if (!(await this.resolveAuth())) return;
    const { start, probe } = plan(this.options.strategy ?? 'fallback', this.transports, this.neverWorked);
    const attempts: Attempt[] = [];
    for (const name of start) {
      if (this.state === 'closed') return;
      const final = attempts.find((a) => this.isFinalRefusal(a.error));
      if (final) return this.refused(final.error);
      try {
        const transport = await this.verify(name, false);
        if ((this.state as ClientState) === 'closed') return this.settle(transport, 'client closed');
        if (!transport.isOpen) throw new TransportError(name, 'closed right after it was verified');
        this.adopt(transport, attempts.length > 0 ? 'fallback' : reason, attempts);
        if (probe.length > 0) void this.upgrade(transport, probe);
        return;
      } catch (error) {
        this.recordFailure(name, error, attempts);
      }
    }
    if (this.state === 'closed') return;
    const final = attempts.find((a) => this.isFinalRefusal(a.error));
    if (final) return this.refused(final.error);
    const errors = attempts.map((a) => a.error);
    const why = errors.map((e) => `${e.transport}: ${e.message}`).join('; ');
    this.scheduleReconnect(new AggregateError(errors, `no transport connected (${why})`));
  }

  private async upgrade(base: ClientTransport, candidates: TransportName[]): Promise<void> {
    const attempts: Attempt[] = [];
    for (const name of candidates) {
      if (this.current !== base) return;
      try {
        const probe = await this.verify(name, true);
        if (this.current !== base) return this.settle(probe, 'connection changed during the probe');
        if (!probe.isOpen) throw new TransportError(name, 'closed right after it was verified');
        base.close(); // no more polls: from here on the probe carries everything
        probe.send([{ type: 'upgrade' }]);
        this.switchTo(probe, 'upgrade', attempts);
        return;
      } catch (error) {
        this.recordFailure(name, error, attempts);
      }
    }
  }

  /**
   * Resolves the `auth` option (a value, or a function called before every connection walk so a
   * token can be refreshed). A function that throws counts as a failed walk: reconnect with backoff.
   */
  private async resolveAuth(): Promise<boolean> {
    const auth = this.options.auth;
    if (auth === undefined) return true;
    try {
      const value = typeof auth === 'function' ? await auth() : auth;
      this.authValue = value === null || value === undefined ? null : String(value);
      return this.state !== 'closed';
    } catch (error) {
      if (this.state === 'closed') return false;
      this.scheduleReconnect(new Error(`auth failed: ${(error as Error).message}`, { cause: error }));
      return false;
    }
  }

  private isFinalRefusal(error: TransportError): boolean {
    return isFinalRefusal(error.code, error.closeCode);
  }

  /** Ends the client on a final refusal: `error` for a refused upload (its messages did not get through), then `close`. */
  private refused(error: TransportError, upload = false): void {
    const code = error.code ?? error.reason;
    this.log('error', `refused for good (${code}): ${error.message}`, { transport: error.transport, code });
    if (upload) {
      const refusal = isErrorCode(error.code) ? new TransportLabError(error.code, error.message) : error;
      this.emit('error', refusal);
    }
    this.finish(error.closeCode ?? CloseCodes.POLICY, code);
  }

  private verify(name: TransportName, probe: boolean): Promise<ClientTransport> {
    const timeoutMs = this.options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    this.log('debug', `trying ${name}${probe ? ' (upgrade probe)' : ''}`, { transport: name, probe });
    return new Promise((resolve, reject) => {
      const transport = new CLIENT_TRANSPORTS[name](this.settings, this.owner);
      const proof = TRANSPORT_CAPABILITIES[name].verify === 'round-trip' ? 'hello and round trip' : 'hello';
      const timer = setTimeout(() => this.settle(transport, `no ${proof} within ${timeoutMs} ms`), timeoutMs);
      this.pending.set(transport, { probe, verified: false, held: [], pingId: 0, resolve, reject, timer });
      transport.open({ sid: this.sid, token: this.token, ack: this.seq.received, probe });
    });
  }

  /**
   * Ends a verification: resolves with the transport (no `failure`), or rejects with a TransportError
   * and closes it. A verified transport stays registered until it is adopted, so frames that arrive
   * in the meantime are not dropped.
   */
  private settle(transport: ClientTransport, failure?: string, ending: Ending = {}): void {
    const pending = this.pending.get(transport);
    if (!pending) return;
    clearTimeout(pending.timer);
    if (failure === undefined && !pending.verified) {
      pending.verified = true;
      this.log('debug', `${transport.name} verified`, { transport: transport.name });
      return pending.resolve(transport);
    }
    this.pending.delete(transport);
    transport.close();
    pending.reject(new TransportError(transport.name, failure ?? 'abandoned', ending.closeCode, { code: ending.code }));
  }

  private recordFailure(name: TransportName, error: unknown, attempts: Attempt[]): void {
    if (this.state === 'closed') return; // abandoned because the application closed the client
    const e =
      error instanceof TransportError ? error : new TransportError(name, String(error), undefined, { cause: error });
    attempts.push({ transport: name, error: e });
    if (!this.worked.has(name)) this.neverWorked.add(name);
    this.log('warn', `${name} refused: ${e.message}`, { transport: name, closeCode: e.closeCode });
  }

  private adopt(transport: ClientTransport, reason: string, attempts: Attempt[]): void {
    const held = this.pending.get(transport)?.held ?? [];
    this.adoptedAt = Date.now();
    this.state = 'open';
    this.switchTo(transport, reason, attempts);
    if (!this.announced) {
      this.announced = true;
      this.log('info', `session ${this.sid} opened on ${transport.name}`, { sid: this.sid, transport: transport.name });
      this.emit('open', { id: this.sid!, transport: transport.name });
    } else {
      const resent = this.seq.unconfirmedCount;
      this.log('info', `session ${this.sid} resumed on ${transport.name}`, { sid: this.sid, resent });
      this.emit('resumed', { id: this.sid!, transport: transport.name, resent });
    }
    for (const envelope of held) if (this.current === transport) this.onData(transport, envelope);
  }

  private switchTo(transport: ClientTransport, reason: string, attempts: Attempt[]): void {
    this.pending.delete(transport);
    const previous = this.current;
    this.current = transport;
    if (previous && previous !== transport) previous.close();
    this.worked.add(transport.name);
    this.neverWorked.delete(transport.name);
    this.lastHeardAt = Date.now();
    this.startWatchdog();
    transport.send(this.seq.resend(this.piggybacks()));
    if (transport.name !== this.lastTransport) {
      const from = this.lastTransport;
      const failed = attempts.map((a) => a.transport);
      this.log('info', `transport ${from ?? '(none)'} → ${transport.name} (${reason})`, {
        from,
        to: transport.name,
        failed,
      });
      this.emit('transport', { from, to: transport.name, reason, attempts });
      this.lastTransport = transport.name;
    }
  }

  // ---- what transports report ----

  private onEnvelope(transport: ClientTransport, envelope: Envelope): void {
    const pending = this.pending.get(transport);
    if (!pending && transport !== this.current) return; // an abandoned transport's late frame
    if (transport === this.current) this.lastHeardAt = Date.now();
    switch (envelope.type) {
      case 'hello':
        // A hello on an adopted transport means the server sees a new connection: resync by reconnecting.
        return pending
          ? this.onHello(transport, envelope.hello, pending)
          : this.onGone(transport, 'unexpected hello', { closeCode: CloseCodes.BAD_DATA });
      case 'pong':
        if (pending && !pending.verified && pending.pingId !== 0 && pending.pingId === envelope.id)
          this.settle(transport);
        return;
      case 'ping':
        return this.pong(transport, envelope.id);
      case 'data':
        // Not yet verified: keep it. If verification fails it was never acked and will be resent.
        if (pending) return void (pending.probe || pending.held.push(envelope));
        return this.onData(transport, envelope);
      case 'ack':
        return void this.seq.acknowledge(envelope.ack);
      case 'close':
        return this.onGone(transport, `server closed: ${envelope.reason || envelope.code}`, {
          closeCode: envelope.code,
          code: isErrorCode(envelope.reason) ? envelope.reason : undefined,
        });
      default:
        return this.onGone(transport, `unexpected ${envelope.type} from server`, { closeCode: CloseCodes.BAD_DATA });
    }
  }

  private onHeard(transport: ClientTransport): void {
    if (transport === this.current) this.lastHeardAt = Date.now();
  }

  private onGone(transport: ClientTransport, reason: string, ending: Ending = {}): void {
    transport.close();
    if (this.pending.has(transport)) return this.settle(transport, reason, ending);
    if (transport !== this.current) return;
    this.current = null;
    const error = new TransportError(transport.name, reason, ending.closeCode, { code: ending.code });
    if (ending.closeCode === CloseCodes.NORMAL && !ending.upload) return this.finish(CloseCodes.NORMAL, reason);
    if (this.isFinalRefusal(error)) return this.refused(error, ending.upload);
    this.scheduleReconnect(error);
  }

  private onHello(transport: ClientTransport, hello: Hello, pending: Pending): void {
    if (pending.probe) {
      if (hello.sid !== this.sid) return this.settle(transport, 'probe answered for another session');
    } else {
      if (this.sid !== null && hello.sid !== this.sid) this.loseSession(`server no longer had session ${this.sid}`);
      const fresh = this.sid !== hello.sid;
      this.sid = hello.sid;
      this.token = hello.token;
      this.hello = hello;
      if (!fresh || hello.ack > 0) this.seq.acknowledge(hello.ack);
      this.seq.ackedUpTo(this.seq.received); // the open request carried it
    }
    if (transport.capabilities.verify !== 'round-trip') return this.settle(transport);
    pending.pingId = ++this.pingCounter;
    transport.send([{ type: 'ping', id: pending.pingId }]);
  }

  private onData(transport: ClientTransport, envelope: Extract<Envelope, { type: 'data' }>): void {
    if (envelope.ack !== undefined) this.seq.acknowledge(envelope.ack);
    const arrival = this.seq.arrive(envelope.seq);
    if (arrival === 'duplicate') return; // resent after a reconnect or switch
    if (arrival === 'gap')
      return this.onGone(transport, 'sequence gap from server', { closeCode: CloseCodes.BAD_DATA });
    this.acks.received(transport.capabilities.ack);
    let data: unknown;
    try {
      data = fromPayload(envelope.kind, envelope.body);
    } catch (error) {
      return this.emit('error', error as Error);
    }
    this.emit('message', data);
  }

  // ---- acks, buffers, session loss ----

  /** Where every poll carries the ack, there is no need to put it in data envelopes too. */
  private piggybacks(): boolean {
    return this.current?.capabilities.ack !== 'poll';
  }

  /** Answers the server's ping (a heartbeat, or a request for room) with a pong and the ack, together. */
  private pong(transport: ClientTransport, id: number | undefined): void {
    const pong: Envelope = { type: 'pong', id };
    if (transport !== this.current || transport.capabilities.ack === 'poll') return transport.send([pong]);
    this.acks.cancel();
    const ack = this.seq.takeAck();
    transport.send(ack === undefined ? [pong] : [pong, { type: 'ack', ack }]);
  }

  /** Sends the ack alone (protocol/acks.ts decides when). */
  private flushAck(): void {
    if (!this.current) return;
    const ack = this.seq.takeAck();
    if (ack !== undefined) this.current.send([{ type: 'ack', ack }]);
  }

  private loseSession(reason: string): void {
    const previousId = this.sid!;
    const unconfirmed = this.seq.unconfirmed().map(({ kind, body }) => fromPayload(kind, body));
    this.seq.reset();
    this.announced = false;
    this.log('warn', `session ${previousId} lost: ${reason}`, { sid: previousId, unconfirmed: unconfirmed.length });
    this.emit('session-lost', { previousId, reason, unconfirmed });
  }

  // ---- liveness, reconnect, end ----

  private startWatchdog(): void {
    if (this.watchdog) return;
    this.watchdog = setInterval(() => {
      const hello = this.hello;
      if (!this.current || !hello) return;
      if (Date.now() - this.lastHeardAt > hello.heartbeatMs + hello.heartbeatTimeoutMs) {
        this.onGone(this.current, 'heartbeat timeout: nothing from the server', {
          closeCode: CloseCodes.HEARTBEAT_TIMEOUT,
        });
      }
    }, 250);
  }

  private scheduleReconnect(error: Error): void {
    this.acks.cancel();
    const reason = error.message;
    const policy = this.options.reconnect;
    if (policy === false) return this.finish(CloseCodes.GOING_AWAY, reason);
    const { minDelayMs, maxDelayMs, factor, jitter } = { ...DEFAULTS.reconnect, ...policy };
    // The backoff starts over only after a connection that lasted; one that dies young (a transport
    // that opens while another part of the path is refused) keeps backing off.
    if (this.adoptedAt > 0 && Date.now() - this.adoptedAt >= Math.max(1000, 4 * minDelayMs)) this.attempt = 0;
    this.adoptedAt = 0;
    this.state = this.announced ? 'reconnecting' : 'connecting';
    const attempt = ++this.attempt;
    const ceiling = Math.min(maxDelayMs, minDelayMs * factor ** (attempt - 1));
    const delayMs = Math.round(ceiling * (1 - jitter * Math.random()));
    this.log('warn', `reconnecting in ${delayMs} ms (attempt ${attempt}): ${reason}`, { attempt, delayMs });
    this.emit('reconnecting', { attempt, delayMs, reason, error });
    this.reconnectTimer = setTimeout(() => void this.establish('reconnect'), delayMs);
  }

  private finish(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.acks.cancel();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    for (const transport of [...this.pending.keys()]) this.settle(transport, 'client closed');
    this.current?.close();
    this.current = null;
    this.log('info', `closed (${code} ${reason})`, { code, reason });
    this.emit('close', { code, reason });
  }
}
