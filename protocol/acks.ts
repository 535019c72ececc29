/**
 * When acknowledgements go: lazy and bounded, the same on both sides (docs/protocol.md, Acks). An
 * ack only lets the sender release what it keeps for a resend — a resume carries the exact ack
 * anyway — so it never needs a message of its own while something cheaper can carry it:
 *
 *  - a receiver piggybacks it on its own data whenever it moved (Sequencer.envelope), and sends it
 *    beside every pong (a heartbeat, or a sender asking for room): both free;
 *  - it sends it alone only when `every` messages went unacknowledged, or `delayMs` after the first
 *    of them — both scaled up where an ack costs a whole HTTP request (`ack: 'post'`), and nothing to
 *    schedule where every request carries it anyway (`ack: 'poll'`);
 *  - a sender whose unacknowledged bytes pass half its maxBufferedBytes asks for the ack with a ping
 *    (once per ack received), so large messages never wait out the delay against a full buffer.
 */
import type { Sequencer } from './sequencer.js';
import type { TransportCapabilities } from './transports.js';

/** An ack by POST costs a whole request (~16 WebSocket frames' worth of bytes, and far more CPU). */
export const POST_ACK_SCALE = 16;

/** What an AckSchedule acknowledges for: `flushAck` sends the ack now, where it can (Sequencer.takeAck). */
export interface AckOwner {
  flushAck(): void;
}

/** One side's ack schedule over its Sequencer. */
export class AckSchedule {
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The delay the timer runs, and what the peer had been told when it was armed. */
  private delay = 0;
  private toldWhenArmed = 0;
  /** `acknowledged` when this side last asked the peer for an ack; -1: not asked since. */
  private askedAt = -1;

  constructor(
    private readonly seq: Sequencer,
    private readonly owner: AckOwner,
    /** For an ack that costs a frame: ack alone after this many messages, or this long. */
    private readonly every: number,
    private readonly delayMs: number,
  ) {}

  /**
   * Receiver: a data message arrived in order over a transport whose acks cost `cost`
   * (TransportCapabilities.ack). Acks at once past `every`, else arms the delay.
   */
  received(cost: TransportCapabilities['ack']): void {
    if (cost === 'poll') return;
    const scale = cost === 'post' ? POST_ACK_SCALE : 1;
    if (this.seq.unacknowledged >= this.every * scale) return this.now();
    if (this.timer === null) this.arm(this.delayMs * scale);
  }

  /** Receiver: acknowledge now (answering a ping, a threshold passed, the delay ran out). */
  now(): void {
    this.cancel();
    this.owner.flushAck();
  }

  /** Receiver: the ack went out another way (a POST answer, a poll), or there is nobody to tell. */
  cancel(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Sender: after queueing a message, whether to ask the peer for its ack (with a ping): true once
   * the unacknowledged bytes pass half of `maxBufferedBytes`, and again only after an ack arrived.
   */
  shouldAsk(maxBufferedBytes: number): boolean {
    if (this.seq.bufferedBytes * 2 < maxBufferedBytes || this.askedAt === this.seq.acknowledged) return false;
    this.askedAt = this.seq.acknowledged;
    return true;
  }

  private arm(delay: number): void {
    this.delay = delay;
    this.toldWhenArmed = this.seq.ackTold;
    this.timer = setTimeout(AckSchedule.fire, delay, this);
  }

  /**
   * The delay ran out. If the ack went out on data meanwhile, what is unacknowledged now arrived
   * after it: it gets a delay of its own instead of an ack right away.
   */
  private static fire(schedule: AckSchedule): void {
    schedule.timer = null;
    const { seq } = schedule;
    if (seq.unacknowledged === 0) return;
    if (seq.ackTold > schedule.toldWhenArmed) return schedule.arm(schedule.delay);
    schedule.owner.flushAck();
  }
}
