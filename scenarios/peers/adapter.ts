/**
 * The contract every contender implements twice: a server side (runs in the server process) and a
 * client side (runs in a load-generator worker). The runner and the traffic logic only ever talk to
 * these interfaces, so our transports and the peers are measured by the same code.
 *
 * Application data is a string (text frame), a Uint8Array (binary) or a plain object (JSON).
 * A peer without JSON framing (raw ws) sends objects as JSON text and hands strings back.
 */
import type { Contender } from '../results.js';

/** Application data: text, bytes, or a plain object (JSON). */
export type AppData = string | Uint8Array | Record<string, unknown>;

export interface ServerOptions {
  /** Heartbeat / ping interval where the contender has one. */
  heartbeatMs?: number;
  /** Compression on every transport: permessage-deflate on WebSocket, gzip/brotli on HTTP answers. */
  compression: boolean;
  /** Largest application message the scenario sends. */
  maxMessageBytes: number;
  /** One node of a cluster: share rooms and sessions through this Redis (ours: our backplane; Socket.IO: its Redis adapter). */
  cluster?: { redisUrl: string; node: string };
  /** Serve over TLS 1.3 with this key and certificate; `http2`: ALPN offers h2 (HTTP/1.1 beside it). */
  tls?: ServerTls;
}

export interface ServerTls {
  key: string;
  cert: string;
  http2: boolean;
  /** Told each TLS secret the server derives, as an SSLKEYLOGFILE line (the meter decrypts with them). */
  keylog?: (line: Buffer) => void;
}

export interface ServerConn {
  /** The transport this connection is on now. */
  transport(): string;
  send(data: AppData): void;
  join(room: string): void;
  onMessage(listener: (data: AppData) => void): void;
  onClose(listener: () => void): void;
  /** Cluster: a session this node took over from another (the application does not greet it again). */
  readonly adopted?: boolean;
}

export interface ServerAdapter {
  /** Listens on 127.0.0.1, on `port` (default: any free one); resolves the port. */
  listen(port?: number): Promise<number>;
  onConnection(listener: (conn: ServerConn) => void): void;
  /** To every connection, or to one room. */
  broadcast(data: AppData, room?: string): void;
  /** Requests the server refused, by its reason (where the contender tells: Socket.IO's "Session ID unknown"). */
  refusals?(): Record<string, number>;
  close(): Promise<void>;
}

export interface ClientOptions {
  contender: Contender;
  /** Our `auto` client only. */
  strategy: 'fallback' | 'upgrade';
  compression: boolean;
  connectTimeoutMs?: number;
  /**
   * Over TLS: the CA that signed the server's throwaway certificate, and the HTTP version to offer.
   * Node clients use them; browsers trust the certificate by launch flag and pick HTTP/2 themselves.
   */
  tls?: { ca: string; http: '1.1' | '2' };
}

/**
 * What a client tells the load generator. `open` fires on the first connection and again whenever
 * the application must start over (a peer's new socket after a reconnect, our session lost);
 * `down`/`up` bracket a reconnect gap.
 *
 * `at` (open, message, down, up): when it happened, on the shared clock (payload.ts `now()`). Only
 * clients that run elsewhere pass it (browser pages: their own time, less the page's estimated
 * clock offset, so the relay to Node is not measured); otherwise the load generator reads the clock.
 */
export interface ClientEvents {
  open(transport: string, at?: number): void;
  message(data: AppData, at?: number): void;
  down(reason: string, at?: number): void;
  up(at?: number): void;
  /** Anything worth a line in the run's event log: transport switches, errors, session loss. */
  event(type: string, detail: string): void;
}

export interface ClientAdapter {
  transport(): string;
  send(data: AppData): void;
  close(): void;
}

/** `baseUrl` is http://host:port of the proxy in front of the server; adapters add their path. */
export type ClientFactory = (baseUrl: string, options: ClientOptions, events: ClientEvents) => ClientAdapter;
export type ServerFactory = (contender: Contender, options: ServerOptions) => ServerAdapter;
