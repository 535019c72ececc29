/**
 * One side's half of the delivery guarantee, the same on server and client: it numbers outbound data
 * messages, keeps them until the peer's cumulative ack covers them, and decides for each inbound data
 * message whether it is the next one, a duplicate (drop), or a gap (a protocol violation).
 */
import type { DataEnvelope } from './envelope.js';
import type { Payload } from './payload.js';

export type Arrival = 'next' | 'duplicate' | 'gap';

export class Sequencer {
  /** Highest seq given to an outbound message. */
  private outSeq = 0;
  /** Highest outbound seq the peer acknowledged. */
  private ackedSeq = 0;
  /**
   * Unacknowledged outbound payloads, oldest first, from index `head` on: `pending[head + k]` has seq
   * `ackedSeq + 1 + k`. Acknowledged slots are emptied at once (the payload is released when the ack
   * arrives); the array is emptied when everything is acknowledged, and compacted once its empty
   * prefix is half of it.
   */
  private pending: Array<Payload | undefined> = [];
  private head = 0;
  private bytes = 0;
  /** Highest inbound seq received in order. */
  private inSeq = 0;
  /** Highest inbound seq this side has told the peer about. */
  private ackSent = 0;
  /**
   * Highest inbound seq that may be acknowledged: a server on a cluster backplane acknowledges only
   * what it has made durable (see server/backplane.ts). Unlimited everywhere else.
   */
  ackLimit = Infinity;

  /** Payload bytes sent but not yet acknowledged. */
  get bufferedBytes(): number {
    return this.bytes;
  }

  get received(): number {
    return this.inSeq;
  }

  /** What an ack may say now: the highest inbound seq received, within ackLimit. */
  get ackable(): number {
    return this.inSeq < this.ackLimit ? this.inSeq : this.ackLimit;
  }

  /** Inbound messages received but not yet acknowledged to the peer. */
  get unacknowledged(): number {
    return Math.max(0, this.ackable - this.ackSent);
  }

  /** The highest inbound seq this side has told the peer about. */
  get ackTold(): number {
    return this.ackSent;
  }

  /** Numbers a new outbound message and keeps it until acknowledged; returns its seq. */
  queue(payload: Payload): number {
    this.pending.push(payload);
    this.bytes += payload.bytes;
    return ++this.outSeq;
  }

  /** Drops what the peer's cumulative ack covers. Returns false for an ack beyond what was sent. */
  acknowledge(ack: number): boolean {
    if (ack > this.outSeq) return false;
    if (ack <= this.ackedSeq) return true;
    for (; this.ackedSeq < ack; this.ackedSeq++) {
      this.bytes -= this.pending[this.head]!.bytes;
      this.pending[this.head++] = undefined;
    }
    if (this.head === this.pending.length) {
      this.pending.length = this.head = 0;
    } else if (this.head >= 32 && this.head * 2 >= this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    return true;
  }

  /** Classifies an inbound data seq; a `next` one is counted as received. */
  arrive(seq: number): Arrival {
    if (seq <= this.inSeq) return 'duplicate';
    if (seq !== this.inSeq + 1) return 'gap';
    this.inSeq = seq;
    return 'next';
  }

  /** The cumulative ack to send now, or undefined when the peer already has it. Marks it sent. */
  takeAck(): number | undefined {
    const ack = this.ackable;
    if (ack <= this.ackSent) return undefined;
    return (this.ackSent = ack);
  }

  /** Records that the peer learned our ack some other way (a hello, a poll's query). */
  ackedUpTo(ack: number): void {
    if (ack > this.ackSent) this.ackSent = ack;
  }

  /** A data envelope for an outbound message, piggybacking the ack when it moved (unless told not to). */
  envelope(seq: number, payload: Payload, piggyback = true): DataEnvelope {
    const ack = piggyback ? this.takeAck() : undefined;
    return payload.kind === 'b'
      ? { type: 'data', seq, ack, kind: 'b', body: payload.body }
      : { type: 'data', seq, ack, kind: payload.kind, body: payload.body };
  }

  /** Every unacknowledged message as envelopes, in order: what a new connection resends. */
  resend(piggyback = true): DataEnvelope[] {
    const out: DataEnvelope[] = [];
    for (let seq = this.ackedSeq + 1; seq <= this.outSeq; seq++)
      out.push(this.envelope(seq, this.payload(seq)!, piggyback));
    return out;
  }

  /** Highest seq given to an outbound message. */
  get sent(): number {
    return this.outSeq;
  }

  /** Highest outbound seq the peer acknowledged. */
  get acknowledged(): number {
    return this.ackedSeq;
  }

  /** The unacknowledged message with this seq (undefined when acknowledged or never sent). */
  payload(seq: number): Payload | undefined {
    if (seq <= this.ackedSeq || seq > this.outSeq) return undefined;
    return this.pending[this.head + seq - this.ackedSeq - 1];
  }

  /** Unacknowledged payloads, oldest first. */
  unconfirmed(): Payload[] {
    return this.pending.slice(this.head) as Payload[];
  }

  get unconfirmedCount(): number {
    return this.outSeq - this.ackedSeq;
  }

  /**
   * Takes up a stream kept elsewhere (a session adopted from a cluster backplane): `acknowledged`
   * outbound messages are done, `unconfirmed` follow them in order, `received` inbound ones arrived.
   */
  restore(acknowledged: number, unconfirmed: readonly Payload[], received: number): void {
    this.reset();
    this.outSeq = this.ackedSeq = acknowledged;
    for (const payload of unconfirmed) this.queue(payload);
    this.inSeq = this.ackSent = received;
  }

  /** Forgets everything: the session is gone and numbering starts again at 1. */
  reset(): void {
    this.outSeq = this.ackedSeq = this.head = this.bytes = this.inSeq = this.ackSent = 0;
    this.pending = [];
  }
}
