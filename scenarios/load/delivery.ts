/**
 * Delivery accounting from sequence numbers. A receiver keeps one tracker per stream it hears;
 * `sent` comes from the sender's side (what the application handed to the API for this receiver),
 * so `lost = sent − received` holds even when the tail of a stream never arrives.
 */
import type { DeliveryCounts } from '../results.js';

export interface ReceiveCounts {
  received: number; // distinct sequence numbers
  duplicated: number; // a sequence number seen again
  outOfOrder: number; // arrived after a higher sequence number of the same stream
}

/** Sequence numbers of one stream, from 1, as a growable bitset. */
export class StreamTracker {
  private seen = new Uint8Array(1024);
  private highest = 0;
  readonly counts: ReceiveCounts = { received: 0, duplicated: 0, outOfOrder: 0 };

  /** Returns 'new', 'duplicate' or 'late' (new, but after a higher sequence number). */
  record(seq: number): 'new' | 'duplicate' | 'late' {
    const byte = seq >> 3;
    if (byte >= this.seen.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.seen.length * 2));
      grown.set(this.seen);
      this.seen = grown;
    }
    const bit = 1 << (seq & 7);
    if (this.seen[byte] & bit) {
      this.counts.duplicated++;
      return 'duplicate';
    }
    this.seen[byte] |= bit;
    this.counts.received++;
    if (seq < this.highest) {
      this.counts.outOfOrder++;
      return 'late';
    }
    this.highest = seq;
    return 'new';
  }
}

/** All streams one receiver hears, keyed by stream id. */
export class DeliveryTracker {
  private streams = new Map<number, StreamTracker>();

  record(stream: number, seq: number): 'new' | 'duplicate' | 'late' {
    let tracker = this.streams.get(stream);
    if (!tracker) this.streams.set(stream, (tracker = new StreamTracker()));
    return tracker.record(seq);
  }

  totals(): ReceiveCounts {
    return sumReceive([...this.streams.values()].map((s) => s.counts));
  }

  /** One stream's counts (zero when it was never heard). */
  stream(stream: number): ReceiveCounts {
    return this.streams.get(stream)?.counts ?? { received: 0, duplicated: 0, outOfOrder: 0 };
  }
}

export function sumReceive(list: ReceiveCounts[]): ReceiveCounts {
  const total: ReceiveCounts = { received: 0, duplicated: 0, outOfOrder: 0 };
  for (const c of list) {
    total.received += c.received;
    total.duplicated += c.duplicated;
    total.outOfOrder += c.outOfOrder;
  }
  return total;
}

export function deliveryCounts(sent: number, got: ReceiveCounts): DeliveryCounts {
  return { sent, ...got, lost: Math.max(0, sent - got.received) };
}
