/**
 * The server-side transport contract, in two parts.
 *
 * 1. `ServerConnection`: one live connection of a session over one transport (a WebSocket, an SSE
 *    response stream plus its upstream POSTs, or a series of long polls). A session outlives its
 *    connections: it owns sequence numbers, acks, the outbound buffer and heartbeats; a connection
 *    only moves frames. An implementation:
 *     - calls `receive(frame)` for every inbound frame, in order (the session decodes it; a malformed
 *       frame closes the connection with its code);
 *     - implements `deliver(envelope)` to write envelopes in order (binary as base64 when its
 *       capabilities say `binary: 'base64'`), coalescing what one tick of the event loop writes into
 *       one write to its socket, and `terminate(code, reason)` to end the connection;
 *     - calls `lost()` once when the underlying connection ends by itself (peer gone, network cut);
 *     - hands every write to its socket with `trackWrite()`'s callback, reports what is handed over
 *       but not yet flushed as `bufferedAmount`, and implements `destroy()` (drop the socket now).
 *   The base class bounds what a connection holds: the session writes data only while the connection
 *   is below its high-water mark (more when `onWritable` says so), inbound reading pauses while it is
 *   above it (`pauseInbound`/`resumeInbound`, where the transport can), writes that make no progress
 *   for writeTimeoutMs end the connection, and a closed connection's unflushed writes do not outlive
 *   it: dropped at once when it was replaced, after writeTimeoutMs otherwise.
 *
 * 2. `TransportFactory`: the transport's HTTP entry points under `{base}/{name}`, registered by name in
 *    transports/index.ts. The router checks origin, method and query for every transport, serves
 *    upstream POSTs for those whose capabilities say `upstream: 'post'`, and hands a GET to `get` and
 *    an upgrade to `upgrade`. Everything transport-specific lives in the transport's own file.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { PerMessageDeflateOptions } from 'ws';
import {
  CloseCodes,
  type Envelope,
  type Frame,
  type Log,
  TRANSPORT_CAPABILITIES,
  type TransportCapabilities,
  type TransportName,
  type TransportLabError,
} from '../protocol/index.js';
import type { Compression } from './compression.js';
import type { RequestInfo } from './connection.js';
import type { SessionQuery } from './http.js';

/** The session a connection belongs to (server/session.ts). */
export interface ConnectionOwner {
  /** Called with each inbound frame, in order. */
  onFrame(connection: ServerConnection, frame: Frame): void;
  /** Called once when the connection is gone, for whatever reason. */
  onConnectionGone(connection: ServerConnection): void;
  /** Called when a write completed and the connection is below its high-water mark again. */
  onWritable(connection: ServerConnection): void;
}

/** What bounds one connection; the session sets them when it takes the connection. */
export interface ConnectionLimits {
  /** Data is written while bufferedAmount is below this (one message at least). */
  highWaterMark: number;
  /** Pending writes that make no progress for this long end the connection. */
  writeTimeoutMs: number;
}

/** Writes handed to a socket together; see ServerConnection.trackWrites. */
export interface WriteBatch {
  add(): void;
  readonly done: () => void;
}

/** Writes handed to a socket and not yet flushed, at most, before a connection counts as backed up. */
const MAX_PENDING_WRITES = 256;

export abstract class ServerConnection {
  abstract readonly transport: TransportName;
  /** Bytes written to the socket but not yet sent by the kernel-facing side (backpressure). */
  abstract readonly bufferedAmount: number;
  /**
   * Last time anything arrived from the client / was written to it / a write made progress (ms). The
   * clock is not read per message: activity sets a flag, and the session's tick stamps flagged
   * activity with its own time (`tick`), which is all heartbeats and write timeouts need.
   */
  lastInboundAt: number;
  lastOutboundAt: number;
  private progressAt: number;
  /** When the session last pinged this connection (0: never). */
  lastPingAt = 0;
  private heard = false;
  private wrote = false;
  private progressed = false;
  owner: ConnectionOwner | null = null;
  limits: ConnectionLimits = DEFAULT_LIMITS;
  private ended = false;
  private writesPending = 0;
  private inboundPaused = false;

  constructor() {
    this.lastInboundAt = this.lastOutboundAt = this.progressAt = Date.now();
  }

  get capabilities(): TransportCapabilities {
    return TRANSPORT_CAPABILITIES[this.transport];
  }

  get isOpen(): boolean {
    return !this.ended;
  }

  /**
   * Below the high-water mark, in bytes and in writes (each pending write costs far more than its
   * bytes: a flood of 3-byte pongs would pass any byte mark only after tens of MiB of write requests).
   */
  get writable(): boolean {
    return this.bufferedAmount < this.limits.highWaterMark && this.writesPending < MAX_PENDING_WRITES;
  }

  /** How long pending writes have made no progress, in ms (0 when nothing is pending). */
  stalledFor(now: number): number {
    return this.writesPending > 0 ? now - this.progressAt : 0;
  }

  /**
   * The session's tick: stamps the activity flagged since the last one with `now`. Transports hang
   * their own timeouts here (a parked poll's), rather than on a timer per connection.
   */
  tick(now: number): void {
    if (this.heard) this.lastInboundAt = now;
    if (this.wrote) this.lastOutboundAt = now;
    if (this.progressed) this.progressAt = now;
    this.heard = this.wrote = this.progressed = false;
  }

  /**
   * Writes one envelope, after those written before it. No-op once the connection has ended. Every
   * transport coalesces what is written in one tick of the event loop into one write to its socket.
   */
  send(envelope: Envelope): void {
    if (this.ended) return;
    this.wrote = true;
    this.deliver(envelope);
  }

  /** Ends the connection from the server side, telling the client why when the transport can. */
  close(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.terminate(code, reason);
    this.owner?.onConnectionGone(this);
    if (this.writesPending === 0) return;
    // A peer that does not read cannot keep what was written for it. A replaced connection's data is
    // resent on its successor: drop it now; otherwise give the close writeTimeoutMs to get through.
    if (code === CloseCodes.REPLACED) return this.destroy();
    setTimeout(() => this.writesPending > 0 && this.destroy(), this.limits.writeTimeoutMs).unref();
  }

  /** Drops the connection at once, unflushed writes and all (a peer that stopped reading). */
  abort(): void {
    if (!this.ended) {
      this.ended = true;
      this.owner?.onConnectionGone(this);
    }
    this.destroy();
  }

  /** Feeds one inbound frame to the session; stops reading while the outbound side is backed up. */
  protected receive(frame: Frame): void {
    if (this.ended) return;
    this.heard = true;
    this.owner?.onFrame(this, frame);
    if (!this.ended && !this.inboundPaused && !this.writable) {
      this.inboundPaused = true;
      this.pauseInbound();
    }
  }

  /**
   * Counts one write handed to the socket; returns the callback the transport passes along, called
   * once the write is flushed (or failed).
   */
  protected trackWrite(): () => void {
    return this.trackWrites().done;
  }

  /**
   * Counts writes handed to the socket together and flushed together (a corked tick's frames): the
   * first is counted now, each `add()` counts one more, and `done` — passed with the first — settles
   * them all. One callback per flush, not per frame, yet every frame counts against the mark.
   */
  protected trackWrites(): WriteBatch {
    if (this.writesPending++ === 0) this.progressed = true;
    let count = 1;
    return {
      add: () => void (count++, this.writesPending++),
      done: () => this.written(count),
    };
  }

  private written(count: number): void {
    this.writesPending -= count;
    this.progressed = true;
    // Once nothing is pending the connection is drained, whatever a socket's counters still say.
    if (this.writesPending > 0 && !this.writable) return;
    if (this.inboundPaused && !this.ended) {
      this.inboundPaused = false;
      this.resumeInbound();
    }
    if (!this.ended) this.owner?.onWritable(this);
  }

  /** Stops reading from the peer (where the transport can); resumeInbound() starts again. */
  protected pauseInbound(): void {}
  protected resumeInbound(): void {}

  /** Marks inbound activity that carries no frame on this connection (a poll, an upstream POST). */
  touch(): void {
    this.heard = true;
  }

  /** The underlying connection ended without the server asking for it. */
  protected lost(): void {
    if (this.ended) return;
    this.ended = true;
    this.owner?.onConnectionGone(this);
  }

  /** Writes one envelope (see `send`); binary as base64 where the capabilities say so. */
  protected abstract deliver(envelope: Envelope): void;
  protected abstract terminate(code: number, reason: string): void;
  /** Drops the underlying socket(s) now. */
  protected abstract destroy(): void;
}

const DEFAULT_LIMITS: ConnectionLimits = { highWaterMark: 64 * 1024, writeTimeoutMs: 20_000 };

/** Where a parked poll's answer goes. */
export interface PollSink {
  /** Answers with a batch (200); `closing`: the connection ends with it. `flushed` once written out (or failed). */
  answer(body: Uint8Array, closing: boolean, flushed: () => void): void;
  /** Answers with a refusal. */
  refuse(error: TransportLabError): void;
  /** Bytes answered and not yet flushed. */
  readonly pending: number;
  /** `listener` runs once if the poll goes away before it was answered (the client left). */
  onGone(listener: () => void): void;
  /**
   * The poll has waited a while (nothing to answer with): a lighter sink for it, which takes over
   * its gone listener, or null to keep this one.
   */
  idle?(): PollSink | null;
  /** Drops it now, answered or not. */
  destroy(): void;
}

/** A session as a transport endpoint that continues one sees it (a long-poll without `open=1`). */
export interface HostedSession {
  readonly transport: TransportName | null;
  readonly activeConnection: ServerConnection | null;
  /** Applies one envelope that arrived outside a connection (`via` null): e.g. the ack a poll carries. */
  receive(envelope: Envelope, via: ServerConnection | null): void;
  /** Continues the session on a fresh connection of the same transport, without a hello. */
  continueOn(connection: ServerConnection, clientAck: number): void;
}

/** An opening request the server let in: what it asked for, who it is, and the request itself. */
export interface Admission {
  readonly query: SessionQuery;
  readonly transport: TransportName;
  readonly request: RequestInfo;
  /** What the `authenticate` hook returned (undefined without one). */
  readonly user: unknown;
}

/** What the server gives a transport's endpoints (server/registry.ts). */
export interface TransportHost {
  readonly options: {
    readonly pollTimeoutMs: number;
    readonly maxMessageBytes: number;
    readonly perMessageDeflate: boolean | PerMessageDeflateOptions;
    /** Content-Encoding for SSE streams and long-poll answers (server/compression.ts). */
    readonly compression: Compression;
  };
  readonly log: Log;
  /** Logs a refused request and returns the error to answer with (our bugs become INTERNAL_ERROR). */
  refusal(req: IncomingMessage, error: unknown): TransportLabError;
  /** CORS headers for a request whose Origin was allowed (nothing for any other). */
  corsHeaders(req: IncomingMessage): Record<string, string>;
  /**
   * Checks a request that opens a connection (a new session, a resume, a probe), before anything is
   * made for it: the resume token, the `authenticate` hook, the identity of a resumed session, the
   * per-address rate limit and maxSessions. Rejects with the refusal (BAD_TOKEN, UNAUTHORIZED, …).
   */
  admit(req: IncomingMessage, query: SessionQuery, transport: TransportName): Promise<Admission>;
  /**
   * Puts a connection made for an admitted request under its session (found or new), or closes it with
   * the code that says why not (the application closed that session, the server filled up meanwhile).
   */
  open(admission: Admission, create: () => ServerConnection): void;
  /** The session a continuing request names: unknown → UNKNOWN_SESSION, wrong token → BAD_TOKEN. */
  find(query: SessionQuery): HostedSession;
  /** Like `find`, but null when the session may be held by another node of a cluster (then relay). */
  findOrRelay(query: SessionQuery): HostedSession | null;
  /** Cluster: relays a poll to the node holding its session; refuses (throws) when none does. */
  relayPoll(query: SessionQuery, sink: PollSink): Promise<void>;
}

/** A transport's entry points under `{base}/{name}`. Errors thrown are answered with their code. */
export interface TransportEndpoint {
  /** A GET: open (or continue) a connection. Absent: the transport opens by upgrade only. */
  get?(req: IncomingMessage, res: ServerResponse, query: SessionQuery): void | Promise<void>;
  /** An HTTP upgrade request (origin and query already checked). */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, query: SessionQuery): void;
  /** Releases what the endpoint holds, when the server closes. */
  close?(): void;
}

export type TransportFactory = (host: TransportHost) => TransportEndpoint;
