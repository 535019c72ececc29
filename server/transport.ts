/**
 * The server-side transport contract. A `ServerConnection` is one live connection of a session over
 * one transport (a WebSocket, an SSE response stream plus its upstream POSTs, or a series of long
 * polls). A session outlives its connections: it owns sequence numbers, acks, the outbound buffer and
 * heartbeats; a connection only moves frames.
 *
 * A transport implementation:
 *  - calls `receive(frame)` for every inbound frame, in order (the base class decodes it and hands the
 *    envelope to the session; a malformed frame closes the connection with 1007);
 *  - implements `deliver(envelopes)` to write envelopes in order (encoding binary as base64 when the
 *    channel is text-only), and `terminate(code, reason)` to end the connection;
 *  - calls `lost()` once when the underlying connection ends by itself (peer gone, network cut).
 */
import { decode, type Envelope, type Frame, type TransportName, TransportLabError } from '../protocol/index.js';

export interface ConnectionOwner {
  /** Called with each decoded inbound envelope. */
  onEnvelope(connection: ServerConnection, envelope: Envelope): void;
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

  /** Feeds one inbound frame. Malformed input ends the connection with the error's close code. */
  protected receive(frame: Frame): void {
    if (this.ended) return;
    this.lastInboundAt = Date.now();
    let envelope: Envelope;
    try {
      envelope = decode(frame);
    } catch (error) {
      const e = error instanceof TransportLabError ? error : new TransportLabError('BAD_ENVELOPE');
      this.close(e.closeCode, e.code);
      return;
    }
    this.owner?.onEnvelope(this, envelope);
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
