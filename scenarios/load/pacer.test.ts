/**
 * The pacer's schedule, checked message by message against its own due times. The tests end when
 * the pacer has sent a set number of messages, not after a wall-clock time, so a slow or busy
 * machine changes how long they take, never what they check.
 */
import { expect, it } from 'vitest';
import { Pacer } from './pacer.js';
import { now } from './payload.js';

interface Send {
  plannedAt: number;
  sentAt: number;
}

/**
 * Runs a pacer at `rate` until it has sent `count` messages; `onSend(n)` runs inside the n-th send
 * (n from 0), e.g. to stall the event loop there. Resolves the sends and the schedule's start.
 */
function runPacer(
  rate: number,
  count: number,
  onSend?: (n: number) => void,
): Promise<{ sends: Send[]; start: number }> {
  return new Promise((resolve) => {
    const sends: Send[] = [];
    const pacer = new Pacer(
      rate,
      (plannedAt) => {
        sends.push({ plannedAt, sentAt: now() });
        onSend?.(sends.length - 1);
        if (sends.length === count) resolve({ sends, start });
      },
      count,
    );
    const start = now();
    pacer.start(start);
  });
}

/** Blocks the event loop for `ms`: a GC pause, a saturated process. Returns when it ended. */
function stall(ms: number): number {
  const until = now() + ms;
  while (now() < until);
  return now();
}

it('plans the n-th message at its due time, start + n / rate: no drift, never early', async () => {
  const { sends, start } = await runPacer(100, 50);
  expect(sends).toHaveLength(50);
  sends.forEach(({ plannedAt, sentAt }, n) => {
    const due = start + n * 10;
    expect(plannedAt, `message ${n}`).toBeGreaterThanOrEqual(due);
    expect(plannedAt, `message ${n}`).toBeLessThanOrEqual(due + 2); // a stamp is never later than due + slack, however late the send
    expect(sentAt, `message ${n}`).toBeGreaterThanOrEqual(plannedAt); // and never postdates the send
  });
});

it('a stalled sender shows in the stamps: messages that fell due during a stall carry their due time, then it catches up', async () => {
  const STALL_MS = 200;
  let stallStart = 0;
  let stallEnd = 0;
  const { sends, start } = await runPacer(200, 120, (n) => {
    if (n !== 20) return;
    stallStart = now();
    stallEnd = stall(STALL_MS);
  });
  expect(sends).toHaveLength(120); // it caught up: every message went out
  const due = (n: number) => start + n * 5;
  const owed = sends.map((s, n) => ({ ...s, n })).filter(({ n }) => n > 20 && due(n) < stallEnd);
  // ~40 messages fell due during the stall (more if the machine was slow before it).
  expect(owed.length).toBeGreaterThanOrEqual(Math.floor(STALL_MS / 5) - 1);
  for (const { plannedAt, sentAt, n } of owed) {
    expect(sentAt, `message ${n}`).toBeGreaterThanOrEqual(stallEnd); // sent after the stall…
    expect(plannedAt, `message ${n}`).toBeLessThanOrEqual(due(n) + 2); // …stamped with its due time, not the late one
  }
  // So the measured lateness of the first owed message covers the stall (less the interval it fell due in).
  const lateness = Math.max(...owed.map((s) => s.sentAt - s.plannedAt));
  expect(lateness).toBeGreaterThanOrEqual(stallEnd - stallStart - 5 - 2);
});

it('fast rates go out in small bursts whose slot, not each message, is the planned time', async () => {
  const { sends } = await runPacer(2000, 600);
  expect(sends).toHaveLength(600);
  const slots = new Set(sends.map(({ plannedAt }) => plannedAt));
  // 5 ms slots at 2000/s: 10 messages each, however late the wake-ups (a late one sends a slot's worth, then catches up).
  expect(slots.size).toBeLessThanOrEqual(600 / 10 + 1);
  expect(slots.size).toBeGreaterThanOrEqual(600 / 10);
});
