/**
 * The application the load runs against, identical for every contender: it greets each connection
 * ("#welcome", the first application message a client sees), learns the client's index from
 * "#join <i>", and then plays the scenario's traffic pattern. It records what arrives from clients
 * (client→server latency, delivery by sequence number) and counts what it addresses to clients,
 * so the runner can compute loss on the way down.
 */
import { DeliveryTracker } from './delivery.js';
import { faultySend } from './faults.js';
import { LatencyRecorder } from './histograms.js';
import { Pacer } from './pacer.js';
import { makePayload, now, readStamp, SERVER_STREAM, withEchoTime, type AppData } from './payload.js';
import type { ServerAdapter, ServerConn } from '../peers/adapter.js';
import type { RunPlan } from '../plan.js';

export const WELCOME = '#welcome';
export const JOIN = '#join ';
const ALL = 'all';

export const roomOf = (client: number, rooms: number) => `room-${client % rooms}`;

export class ServerApp {
  readonly latency = new LatencyRecorder(() => this.runStart);
  readonly upstream = new DeliveryTracker();
  /** Application messages addressed to clients (each recipient counts once). */
  downstreamSent = 0;
  /** Client index → its current connection (a peer's reconnect replaces it). */
  readonly clients = new Map<number, ServerConn>();
  /** Sessions announced here: new ones, and (cluster) ones taken over from another node. */
  opened = 0;
  adopted = 0;
  /** Cluster: only one node runs the server's own stream (a broadcast reaches every node's clients). */
  paces = true;
  private runStart: number | null = null;
  /** Messages sent before this time (the warm-up) are counted but not timed. */
  private measureFrom = 0;
  private pacer: Pacer | null = null;
  private roomSizes: number[];
  private readonly sendTick: (seq: number, data: AppData) => void;

  constructor(
    private readonly server: ServerAdapter,
    private readonly plan: RunPlan,
  ) {
    const rooms = plan.traffic.rooms;
    this.roomSizes = Array.from(
      { length: rooms },
      (_, r) => Math.floor(plan.clients / rooms) + (r < plan.clients % rooms ? 1 : 0),
    );
    this.sendTick = faultySend(plan.faults?.downstream, (data: AppData) => {
      if (plan.traffic.pattern === 'broadcast') server.broadcast(data, ALL);
      else for (const conn of this.clients.values()) conn.send(data);
    });
    server.onConnection((conn) => {
      if (conn.adopted) this.adopted++;
      else this.opened++;
      if (!conn.adopted) conn.send(WELCOME); // a session taken over was greeted on its first node
      conn.onMessage((data) => this.onMessage(conn, data));
    });
  }

  setRunStart(at: number): void {
    this.runStart = at;
  }

  /** Starts the server's own stream (push/broadcast); client-driven patterns need nothing here. */
  start(at: number, rate = this.plan.traffic.rate, measureFrom = at): void {
    this.measureFrom = measureFrom;
    const { pattern } = this.plan.traffic;
    if ((pattern !== 'push' && pattern !== 'broadcast') || !this.paces) return;
    this.pacer = new Pacer(rate, (plannedAt) => this.tick(plannedAt), this.plan.messages ?? Infinity);
    this.pacer.start(at);
  }

  setRate(rate: number): void {
    this.pacer?.setRate(rate);
  }

  stop(): void {
    this.pacer?.stop();
  }

  get serverMessagesSent(): number {
    return this.pacer?.count ?? 0;
  }

  /** `plannedAt`: when the schedule meant this tick to go out, stamped as its send time (see pacer.ts). */
  private tick(plannedAt: number): void {
    const seq = this.pacer?.count ?? 0;
    this.sendTick(
      seq,
      makePayload(this.plan.payload.kind, this.plan.payload.bytes, {
        stream: SERVER_STREAM,
        seq,
        sentAt: plannedAt,
        echoAt: 0,
      }),
    );
    // Every client the scenario runs is an intended recipient, connected right now or not.
    this.downstreamSent += this.plan.clients;
  }

  private onMessage(conn: ServerConn, data: AppData): void {
    if (typeof data === 'string' && data.startsWith(JOIN)) {
      const index = Number(data.slice(JOIN.length));
      this.clients.set(index, conn);
      conn.join(ALL);
      conn.join(roomOf(index, this.plan.traffic.rooms));
      return;
    }
    const stamp = readStamp(data);
    if (!stamp) return;
    const at = now();
    // A message the client sent twice (a peer resending after a reconnect) is counted as a
    // duplicate upstream once, and not relayed again: relaying it would make downstream look lossy.
    if (this.upstream.record(stamp.stream, stamp.seq) === 'duplicate') return;
    if (stamp.sentAt >= this.measureFrom) this.latency.record('clientToServer', at - stamp.sentAt, at);
    const { pattern, rooms } = this.plan.traffic;
    if (pattern === 'echo') {
      conn.send(withEchoTime(data, now()));
      this.downstreamSent++;
    } else if (pattern === 'fanout') {
      const origin = stamp.stream - 1;
      this.server.broadcast(withEchoTime(data, now()), roomOf(origin, rooms));
      this.downstreamSent += this.roomSizes[origin % rooms];
    }
  }
}
