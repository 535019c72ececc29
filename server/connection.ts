/**
 * What the application holds for each client: a `Connection`, one per session, which outlives the
 * transport connections under it (reconnects, upgrades). The session machinery (attach, receive,
 * heartbeats; server/session.ts) stays behind it.
 */
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type { TransportName } from '../protocol/index.js';

/** Events with one payload each, typed by name: the same shape as the client's ClientEvents. */
export interface TypedEvents<Events> {
  on<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): this;
  once<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): this;
  off<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): this;
}

export interface TransportChange {
  from: TransportName | null;
  to: TransportName;
  reason: 'reconnect' | 'upgrade';
}

export interface ConnectionEvents {
  /** A message from the client: a string, a Buffer, or the parsed JSON value, exactly once and in order. */
  message: unknown;
  /** The client moved to another transport (a reconnect on another one, or an upgrade). */
  transport: TransportChange;
  /** The transport connection dropped; the session waits out its grace period for the client. */
  disconnect: undefined;
  /** The session ended: closed by either side, or the grace period passed. */
  close: { code: number; reason: string };
  /** SLOW_CONSUMER, or an exception thrown by the application's own `message` listener. */
  error: Error;
  /**
   * Cluster: the session continues on another node (its client reconnected there), this node's copy
   * fell behind what the backplane holds (`diverged`), or this node shuts down (`shutdown`): the
   * client reconnects and resumes on whichever node the balancer picks. This
   * Connection takes nothing more; the node that takes the session over announces it as a new
   * 'connection' with `adopted` set. Not a 'close': the session lives on.
   */
  moved: { reason: 'moved' | 'diverged' | 'shutdown' };
}

/** The request that opened the session (later requests of the session may come from elsewhere). */
export interface RequestInfo {
  /** Path and query (without the resume token and `auth`). */
  url: string;
  /**
   * Its end-to-end headers: without the hop-by-hop ones (Connection, Upgrade, Keep-Alive, TE,
   * Transfer-Encoding), the WebSocket handshake's Sec-WebSocket-Key/-Version/-Extensions and
   * X-Session-Token. Over HTTP/2, with its pseudo-headers (`:authority`, `:path`...).
   */
  headers: IncomingHttpHeaders;
  /** The client's address: the socket's, or with `trustProxy` the first X-Forwarded-For entry. */
  remoteAddress: string | undefined;
}

export interface Connection extends TypedEvents<ConnectionEvents> {
  /** The session id (128 random bits, base64url), the same the client sees as `client.id`. */
  readonly id: string;
  /**
   * Cluster: the session was opened on another node and taken over by this one (that node died, or
   * the client reconnected here). Its rooms, user and unacknowledged messages came along; whatever
   * the application kept in memory for it on the other node did not.
   */
  readonly adopted: boolean;
  /** Cluster: this node's id (null on a single server). */
  readonly node: string | null;
  /** The transport of the active connection (while the client is away: of the last one). */
  readonly transport: TransportName | null;
  /** The request that opened the session: url (without secrets), headers, client address. */
  readonly request: RequestInfo;
  /** What the server's `authenticate` hook returned for it (undefined without a hook). */
  readonly user: unknown;
  /** Whether a transport connection is attached right now. */
  readonly connected: boolean;
  /** Whether the session has ended. */
  readonly closed: boolean;
  /** Payload bytes sent but not yet acknowledged by the client. */
  readonly bufferedAmount: number;
  readonly rooms: ReadonlySet<string>;
  /**
   * Queues a message for the client (string → text, bytes → binary, anything else → JSON). Throws
   * MESSAGE_TOO_BIG. Returns false, buffering nothing, when the unacknowledged buffer would pass
   * maxBufferedBytes: the client is then disconnected with 1013 and drains what is buffered on resume.
   */
  send(data: unknown): boolean;
  join(room: string): void;
  leave(room: string): void;
  /** Ends the session for good; the client is told, and does not reconnect after 1000 (the default). */
  close(code?: number, reason?: string): void;
}

/** The session operations a Connection forwards to (server/session.ts implements them). */
export interface ConnectionTarget {
  readonly id: string;
  readonly transport: TransportName | null;
  readonly connected: boolean;
  readonly isClosed: boolean;
  readonly bufferedAmount: number;
  readonly rooms: ReadonlySet<string>;
  send(data: unknown): boolean;
  join(room: string): void;
  leave(room: string): void;
  close(code?: number, reason?: string): void;
}

/** The Connection handed to the application: forwards to its session, and carries its events. */
export class SessionConnection extends EventEmitter implements Connection {
  constructor(
    private readonly session: ConnectionTarget,
    readonly request: RequestInfo,
    readonly user: unknown,
    readonly adopted = false,
    readonly node: string | null = null,
  ) {
    super();
  }

  get id(): string {
    return this.session.id;
  }
  get transport(): TransportName | null {
    return this.session.transport;
  }
  get connected(): boolean {
    return this.session.connected;
  }
  get closed(): boolean {
    return this.session.isClosed;
  }
  get bufferedAmount(): number {
    return this.session.bufferedAmount;
  }
  get rooms(): ReadonlySet<string> {
    return this.session.rooms;
  }
  send(data: unknown): boolean {
    return this.session.send(data);
  }
  join(room: string): void {
    this.session.join(room);
  }
  leave(room: string): void {
    this.session.leave(room);
  }
  close(code?: number, reason?: string): void {
    this.session.close(code, reason);
  }
}
