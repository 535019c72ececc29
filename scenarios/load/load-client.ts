/**
 * One simulated client: connects through its contender's adapter, joins, sends its upstream stream
 * when the pattern has one, and records what it sees — connect time, time to first message,
 * one-way and round-trip latency from payload stamps, reconnect gaps, delivery by sequence number.
 * Its latency recorder and event log are shared with the other clients of the worker; delivery
 * tracking is its own.
 */
import { DeliveryTracker } from './delivery.js';
import type { LatencyRecorder } from './histograms.js';
import { faultySend } from './faults.js';
import { Pacer } from './pacer.js';
import { makePayload, now, readStamp, type AppData } from './payload.js';
import type { ClientAdapter, ClientFactory, ClientOptions } from '../peers/adapter.js';
import type { RunPlan } from '../plan.js';
import { JOIN, WELCOME } from './server-app.js';

export interface ClientShared {
  recorder: LatencyRecorder;
  event(type: string, detail: string): void;
  /** Messages sent before this time (the warm-up) are delivered and counted, but not timed. */
  measureFrom(): number;
}

const CLIENT_PATTERNS = new Set(['upstream', 'echo', 'fanout']);

export class LoadClient {
  adapter: ClientAdapter | null = null;
  /** This client's own view of every stream it hears (sequence numbers are per receiver). */
  readonly delivery = new DeliveryTracker();
  opened = false;
  sent = 0;
  private connectStartedAt = 0;
  private firstMessageSeen = false;
  private downAt: number | null = null;
  private pacer: Pacer | null = null;
  private readonly sendData: (seq: number, data: AppData) => void;

  constructor(
    readonly index: number,
    private readonly plan: RunPlan,
    private readonly shared: ClientShared,
  ) {
    this.sendData = faultySend(plan.faults?.upstream, (data: AppData) => this.adapter?.send(data));
  }

  /** `tls`: the run's CA and HTTP version, for a run over TLS. */
  connect(factory: ClientFactory, baseUrl: string, tls?: ClientOptions['tls']): void {
    this.connectStartedAt = now();
    const { plan, shared } = this;
    this.adapter = factory(
      baseUrl,
      {
        contender: plan.contender,
        strategy: plan.strategy,
        compression: plan.compression,
        ...(plan.connectTimeoutMs ? { connectTimeoutMs: plan.connectTimeoutMs } : {}),
        ...(tls ? { tls } : {}),
      },
      {
        open: (transport, at = now()) => {
          if (!this.opened) shared.recorder.record('connect', at - this.connectStartedAt);
          else shared.event('reopen', `client ${this.index} on ${transport}`);
          this.opened = true;
          this.adapter?.send(JOIN + this.index);
        },
        message: (data, at) => this.onMessage(data, at),
        down: (reason, at = now()) => {
          this.downAt = at;
          shared.event('down', `client ${this.index}: ${reason}`);
        },
        up: (at = now()) => {
          if (this.downAt !== null) shared.recorder.record('reconnectGap', at - this.downAt, at);
          this.downAt = null;
        },
        event: (type, detail) => shared.event(type, `client ${this.index}: ${detail}`),
      },
    );
  }

  /**
   * Starts this client's upstream, if the pattern has one (or push/broadcast with an upstreamRate),
   * at a random phase within one interval.
   */
  start(at: number, patternRate = this.plan.traffic.rate): void {
    const rate = CLIENT_PATTERNS.has(this.plan.traffic.pattern) ? patternRate : this.plan.traffic.upstreamRate;
    if (rate === undefined) return;
    this.pacer = new Pacer(rate, (plannedAt) => this.sendOne(plannedAt), this.plan.messages ?? Infinity);
    this.pacer.start(at, Math.random() * Math.min(1000, 1000 / rate));
  }

  /** The throughput climb's new rate: for the client's stream only when the pattern's rate is the clients'. */
  setRate(rate: number): void {
    if (CLIENT_PATTERNS.has(this.plan.traffic.pattern)) this.pacer?.setRate(rate);
  }

  /**
   * At the end of the run: a client that is still down records its gap so far (a lower bound), so
   * the longest gaps are not the ones left out. Returns that gap, or null when the client is up.
   */
  closeOpenGap(at = now()): number | null {
    if (this.downAt === null) return null;
    const gap = at - this.downAt;
    this.shared.recorder.record('reconnectGap', gap, at);
    this.downAt = null;
    return gap;
  }

  stop(): void {
    this.pacer?.stop();
  }

  close(): void {
    this.stop();
    this.adapter?.close();
  }

  /** `plannedAt`: when the schedule meant this message to go out, stamped as its send time (see pacer.ts). */
  private sendOne(plannedAt: number): void {
    const { kind, bytes } = this.plan.payload;
    this.sent++;
    this.sendData(
      this.sent,
      makePayload(kind, bytes, { stream: this.index + 1, seq: this.sent, sentAt: plannedAt, echoAt: 0 }),
    );
  }

  private onMessage(data: AppData, at = now()): void {
    if (data === WELCOME) {
      if (!this.firstMessageSeen) this.shared.recorder.record('firstMessage', at - this.connectStartedAt);
      this.firstMessageSeen = true;
      return;
    }
    const stamp = readStamp(data);
    if (!stamp) return;
    this.delivery.record(stamp.stream, stamp.seq);
    if (stamp.sentAt < this.shared.measureFrom()) return;
    const { recorder } = this.shared;
    if (stamp.echoAt > 0) recorder.record('serverToClient', at - stamp.echoAt, at);
    else recorder.record('serverToClient', at - stamp.sentAt, at);
    if (stamp.echoAt > 0 && stamp.stream === this.index + 1) recorder.record('roundTrip', at - stamp.sentAt, at);
  }
}
