/**
 * What one session holds for its client, and the budget it is held to (maxBufferedBytes):
 *  - unacknowledged messages, kept once in the session's Sequencer however many connections resend
 *    them, and released the moment an ack covers them;
 *  - bytes the active connection has handed to its socket but not flushed (control replies too);
 *  - upstream bodies being read for the session.
 * Data leaves the outbox as the active connection drains: `pump` writes while the connection is below
 * its high-water mark (one message at least), and again when it says it is writable.
 */
import { type Payload, Sequencer, TransportLabError } from '../protocol/index.js';
import type { ServerConnection } from './transport.js';

export class Outbox {
  /** Both directions' sequence numbers and acks (the outbound half is the outbox proper). */
  readonly seq = new Sequencer();
  /** Highest seq written to the active connection. */
  private writtenUpTo = 0;
  /** The active connection proves its upstream with a round trip first: data waits for its first frame. */
  private held = false;
  private inboundBytes = 0;
  /** Highest seq that may be written (a cluster backplane made it durable); unlimited on one server. */
  durableUpTo = Infinity;

  constructor(private readonly maxBufferedBytes: number) {}

  /** Everything counted against maxBufferedBytes while `connection` is the active one. */
  heldBytes(connection: ServerConnection | null): number {
    return this.seq.bufferedBytes + (connection?.bufferedAmount ?? 0) + this.inboundBytes;
  }

  /** Whether a payload of this size still fits the budget. */
  fits(bytes: number, connection: ServerConnection | null): boolean {
    return this.heldBytes(connection) + bytes <= this.maxBufferedBytes;
  }

  /** Queues a message (the caller checked `fits`) and writes what the connection can take; returns its seq. */
  queue(payload: Payload, connection: ServerConnection | null): number {
    const seq = this.seq.queue(payload);
    this.pump(connection);
    return seq;
  }

  /**
   * A new active connection: everything unacknowledged goes out on it again, as it drains; with
   * `holdUntilFirstFrame`, only after the client's first frame (its verification ping).
   */
  restart(connection: ServerConnection, holdUntilFirstFrame: boolean): void {
    this.writtenUpTo = this.seq.acknowledged;
    this.held = holdUntilFirstFrame;
    this.pump(connection);
  }

  /** A frame arrived on the active connection: a held backlog may go. */
  heard(connection: ServerConnection): void {
    if (!this.held) return;
    this.held = false;
    this.pump(connection);
  }

  /** Writes unsent messages while the connection is below its high-water mark (at least one). */
  pump(connection: ServerConnection | null): void {
    if (!connection || this.held || !connection.writable) return;
    if (this.writtenUpTo < this.seq.acknowledged) this.writtenUpTo = this.seq.acknowledged;
    const limit = connection.limits.highWaterMark;
    let bytes = connection.bufferedAmount;
    const upTo = Math.min(this.seq.sent, this.durableUpTo);
    for (let first = true; this.writtenUpTo < upTo && (first || bytes < limit); first = false) {
      const seq = ++this.writtenUpTo;
      const payload = this.seq.payload(seq)!;
      connection.send(this.seq.envelope(seq, payload));
      bytes += payload.bytes;
    }
  }

  /**
   * Reserves room for an upstream body of up to `bytes` before it is read; throws SLOW_CONSUMER when
   * it would pass the budget. Returns the release.
   */
  reserveInbound(bytes: number, connection: ServerConnection | null): () => void {
    if (!this.fits(bytes, connection)) {
      throw new TransportLabError('SLOW_CONSUMER', 'Session buffers would pass maxBufferedBytes; retry later');
    }
    this.inboundBytes += bytes;
    let released = false;
    return () => {
      if (!released) this.inboundBytes -= bytes;
      released = true;
    };
  }
}
