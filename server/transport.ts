/**
 * The server-side transport contract, in two parts.
 *
 * 1. `ServerConnection`: one live connection of a session over one transport (a WebSocket, an SSE
 *    response stream plus its upstream POSTs, or a series of long polls). A session outlives its
 *    connections: it owns sequence numbers, acks, the outbound buffer and heartbeats; a connection
 *    only moves frames. An implementation:
 *     - calls `receive(frame)` for every inbound frame, in order (the session decodes it; a malformed
 *       frame closes the connection with its code);
 *     - implements `deliver(envelopes)` to write envelopes in order (binary as base64 when its
 *       capabilities say `binary: 'base64'`), and `terminate(code, reason)` to end the connection;
 *     - calls `lost()` once when the underlying connection ends by itself (peer gone, network cut).
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
  type Envelope,
  type Frame,
  type Log,
  TRANSPORT_CAPABILITIES,
  type TransportCapabilities,
  type TransportName,
} from '../protocol/index.js';
import type { SessionQuery } from './http.js';

/** The session a connection belongs to (server/session.ts). */
export interface ConnectionOwner {
  /** Called with each inbound frame, in order. */
  onFrame(connection: ServerConnection, frame: Frame): void;
  /** Called once when the connection is gone, for whatever reason. */
  onConnectionGone(connection: ServerConnection): void;
}

export abstract class ServerConnection {
  abstract readonly transport: TransportName;
  /** Bytes written to the socket but not yet sent by the kernel-facing side (backpressure). */
  abstract readonly bufferedAmount: number;
  /** Last time anything arrived from the client on this connection (ms, Date.now()). */
  lastInboundAt = Date.now();
  /** Last time anything was written to the client on this connection. */
  lastOutboundAt = Date.now();
  owner: ConnectionOwner | null = null;
  private ended = false;

  get capabilities(): TransportCapabilities {
    return TRANSPORT_CAPABILITIES[this.transport];
  }

  get isOpen(): boolean {
    return !this.ended;
  }

  /** Writes envelopes in order. No-op once the connection has ended. */
  send(envelopes: readonly Envelope[]): void {
    if (this.ended || envelopes.length === 0) return;
    this.lastOutboundAt = Date.now();
    this.deliver(envelopes);
  }

  /** Ends the connection from the server side, telling the client why when the transport can. */
  close(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.terminate(code, reason);
    this.owner?.onConnectionGone(this);
  }

  /** Feeds one inbound frame to the session. */
  protected receive(frame: Frame): void {
    if (this.ended) return;
    this.lastInboundAt = Date.now();
    this.owner?.onFrame(this, frame);
  }

  /** Marks inbound activity that carries no frame on this connection (a poll, an upstream POST). */
  touch(): void {
    this.lastInboundAt = Date.now();
  }

  /** The underlying connection ended without the server asking for it. */
  protected lost(): void {
    if (this.ended) return;
    this.ended = true;
    this.owner?.onConnectionGone(this);
  }

  protected abstract deliver(envelopes: readonly Envelope[]): void;
  protected abstract terminate(code: number, reason: string): void;
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

/** What the server gives a transport's endpoints (server/index.ts). */
export interface TransportHost {
  readonly options: {
    readonly pollTimeoutMs: number;
    readonly maxMessageBytes: number;
    readonly perMessageDeflate: boolean | PerMessageDeflateOptions;
  };
  readonly log: Log;
  /**
   * Opens a connection for a request: finds the session the query names or makes one, creates the
   * connection, and puts it under the session — or closes it with the code that says why not (the
   * application closed that session). Throws BAD_TOKEN, before `create`, for a wrong token.
   */
  open(req: IncomingMessage, query: SessionQuery, create: () => ServerConnection): void;
  /** The session a continuing request names: unknown → UNKNOWN_SESSION, wrong token → BAD_TOKEN. */
  find(query: SessionQuery): HostedSession;
  /** Throws BAD_TOKEN when the query names a live session with the wrong token; creates nothing. */
  verifyToken(query: SessionQuery): void;
}

/** A transport's entry points under `{base}/{name}`. Errors thrown are answered with their code. */
export interface TransportEndpoint {
  /** A GET: open (or continue) a connection. Absent: the transport opens by upgrade only. */
  get?(req: IncomingMessage, res: ServerResponse, query: SessionQuery): void;
  /** An HTTP upgrade request (origin and query already checked). */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, query: SessionQuery): void;
  /** Releases what the endpoint holds, when the server closes. */
  close?(): void;
}

export type TransportFactory = (host: TransportHost) => TransportEndpoint;
