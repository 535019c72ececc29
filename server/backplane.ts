/**
 * The backplane: what the sessions of one server share with the other servers of a cluster. Modelled
 * on socket.io-adapter's Adapter (rooms, broadcast, server count), plus what Socket.IO leaves to
 * sticky sessions: where a session lives (ownership, fenced by an epoch) and what must be durable
 * before a client is told anything (see docs/cluster.md).
 *
 * Two implementations behind this one contract:
 *  - backplanes/memory.ts (the default): one server, rooms in a Map, everything durable at once;
 *  - backplanes/redis.ts: any number of servers on one Redis, no sticky sessions, a node can die.
 *
 * The session machinery calls it at a few points only: a session is created, joins or leaves a room,
 * queues an outbound message, delivers an inbound one to the application, is acknowledged, ends.
 * The backplane answers by releasing what became durable (`BackplaneSession.durable`): the session
 * writes outbound messages, and acknowledges inbound ones, only up to there.
 */
import type { Log, Payload } from '../protocol/index.js';
import type { Connection } from './connection.js';
import type { SessionQuery } from './http.js';
import type { PollSink } from './transport.js';

/** A session as the backplane sees it (server/session.ts). */
export interface BackplaneSession {
  readonly id: string;
  readonly token: string;
  readonly previousToken: string | null;
  readonly rooms: ReadonlySet<string>;
  readonly connection: Connection;
  /** Queues a message (a broadcast reaching this session); false when it did not fit. */
  sendPayload(payload: Payload): boolean;
  /** Everything up to these is durable: outbound seq may be written, inbound seq acknowledged. */
  durable(outbound: number, inbound: number): void;
  /** What the session holds, for the backplane to keep: tokens, cursors, unacknowledged messages. */
  snapshot(): SessionSnapshot;
}

/** A session's state, as a cluster backplane keeps it so that any node can take the session over. */
export interface SessionSnapshot {
  id: string;
  token: string;
  previousToken: string | null;
  /** Highest outbound seq the client acknowledged, and the unacknowledged messages after it, in order. */
  acknowledged: number;
  unconfirmed: Payload[];
  /** Highest inbound seq delivered to the application. */
  received: number;
  rooms: string[];
  transport: string | null;
  /** The request that opened the session and what `authenticate` returned (JSON). */
  request: Connection['request'];
  user: unknown;
}

/** What resuming a session this node does not hold found (`claim`). */
export type Claim =
  | { type: 'unknown' }
  | { type: 'bad-token' }
  | { type: 'wrong-user' }
  | { type: 'closed'; code: number; reason: string }
  /** This node holds it already (the token was rotated durably). */
  | { type: 'here' }
  /** Taken over from another node (or from a node that died): build the session from this. */
  | { type: 'adopted'; state: SessionSnapshot; adopt(session: BackplaneSession): void };

/**
 * Why a node lets a session go without ending it: another node took it over, this node's copy fell
 * behind the durable one, or this node shuts down (the others take its sessions over).
 */
export type ReleaseReason = 'moved' | 'diverged' | 'shutdown';

/** A relayed request's answer: an HTTP status and body (JSON `{code, message}` for refusals). */
export interface RelayAnswer {
  status: number;
  body: Uint8Array | string;
  /** A poll answer that ends the long-poll connection. */
  closing?: boolean;
}

/** What the server gives its backplane (server/registry.ts). */
export interface BackplaneHost {
  readonly log: Log;
  /** How long a session waits for its client (what a cluster backplane keeps a silent session's state for). */
  readonly graceMs: number;
  /** The sessions held here, by id. */
  readonly sessions: ReadonlyMap<string, BackplaneSession>;
  /** The session moved to another node, or this node's copy fell behind the durable one: drop it here without ending it. */
  release(id: string, why: ReleaseReason): void;
  /** A POST another node received for a session held here. */
  relayedPost(query: SessionQuery, body: Buffer): Promise<RelayAnswer>;
  /** A long-poll another node received for a session held here: answer it through `sink`. */
  relayedPoll(query: SessionQuery, sink: PollSink): void;
}

export interface Backplane {
  /** This node's id in the cluster; null on a single server. */
  readonly node: string | null;
  /** Whether sessions can be opened and resumed now (a cluster backplane that lost Redis says no). */
  readonly available: boolean;
  /** Connects to the shared state; rejects with a clear message when it cannot. */
  start(host: BackplaneHost): Promise<void>;
  close(): Promise<void>;
  /** How many servers share this backplane (live nodes). */
  serverCount(): Promise<number>;

  // ---- rooms and broadcast ----
  joined(session: BackplaneSession, room: string): void;
  left(session: BackplaneSession, room: string): void;
  /**
   * Sends to every session of `room` (every session without one) but `except`, on every node. The
   * payload is encoded once per node. Returns how many sessions on this node take it.
   */
  broadcast(payload: Payload, room: string | undefined, except: string | undefined): number;

  // ---- the session's life, as far as others must know it ----
  created(session: BackplaneSession): void;
  /** An outbound message was given `seq`. */
  queued(session: BackplaneSession, seq: number, payload: Payload): void;
  /**
   * Runs `deliver` (the application's 'message' listeners for inbound `seq`): what it sends and
   * broadcasts becomes durable together with the inbound cursor, or not at all.
   */
  delivering(session: BackplaneSession, seq: number, deliver: () => void): void;
  /** The session's resume tokens changed (the previous one retired). */
  tokens(session: BackplaneSession): void;
  /** The client acknowledged outbound messages up to `ack`. */
  acknowledged(session: BackplaneSession, ack: number): void;
  ended(session: BackplaneSession, code: number, reason: string): void;
  /** Resolves once everything recorded so far is durable; null when it already is. */
  settled(): Promise<void> | null;

  // ---- sessions held elsewhere ----
  /**
   * A client opens a connection for a session (`query.sid`) with a token: take the session over here,
   * rotating the token to `newToken` (null for an upgrade probe), or say why not.
   */
  claim(query: SessionQuery, newToken: string | null, identity: string): Promise<Claim>;
  /** A POST for a session held by another node: its answer, from that node. Throws when none holds it. */
  relayPost(query: SessionQuery, body: Buffer): Promise<RelayAnswer>;
  /** A long-poll for a session held by another node; throws when none holds it. */
  relayPoll(query: SessionQuery, sink: PollSink): Promise<void>;
}
