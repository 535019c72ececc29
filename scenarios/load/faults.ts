/**
 * Applies a plan's deliberate faults to one sending stream (see Faults in plan.ts): wraps the real
 * send so the sequence number decides whether a message is dropped, sent twice, or held back until
 * the next one has gone, and `holdMs` holds every message that long (a regression that costs time).
 * Only tests set faults; without them the send passes straight through.
 */
import type { Faults } from '../plan.js';

type StreamFaults = NonNullable<Faults['downstream']>;

export function faultySend<T>(
  faults: StreamFaults | undefined,
  send: (data: T) => void,
): (seq: number, data: T) => void {
  if (!faults) return (_seq, data) => send(data);
  if (faults.holdMs) {
    const holdMs = faults.holdMs;
    const inner = faultySend({ ...faults, holdMs: undefined }, send);
    return (seq, data) => void setTimeout(() => inner(seq, data), holdMs);
  }
  const drop = new Set(faults.drop);
  const duplicate = new Set(faults.duplicate);
  const delay = new Set(faults.delay);
  let held: T | null = null;
  return (seq, data) => {
    if (drop.has(seq)) return;
    if (delay.has(seq)) {
      held = data;
      return;
    }
    send(data);
    if (duplicate.has(seq)) send(data);
    if (held !== null) {
      send(held);
      held = null;
    }
  };
}
