import { expect, it } from 'vitest';
import { Pacer } from './pacer.js';
import { now } from './payload.js';

/** Runs a pacer for `ms`, optionally blocking the event loop for `stallMs` at `stallAt`; returns [plannedAt, sentAt] pairs. */
async function runPacer(
  rate: number,
  ms: number,
  stall?: { at: number; ms: number },
): Promise<Array<[number, number]> & { start: number }> {
  const sends: Array<[number, number]> = [];
  const pacer = new Pacer(rate, (plannedAt) => void sends.push([plannedAt, now()]));
  const start = now();
  pacer.start(start);
  if (stall) {
    setTimeout(() => {
      const until = now() + stall.ms;
      while (now() < until); // a stalled event loop: a GC pause, a saturated process
    }, stall.at);
  }
  await new Promise((resolve) => setTimeout(resolve, ms));
  pacer.stop();
  return Object.assign(sends, { start });
}

it('keeps the rate, and plans each send no earlier than its due time', async () => {
  const sends = await runPacer(100, 500);
  expect(sends.length).toBeGreaterThanOrEqual(45);
  expect(sends.length).toBeLessThanOrEqual(52);
  sends.forEach(([plannedAt, sentAt], n) => {
    const due = sends.start + n * 10;
    expect(plannedAt).toBeGreaterThanOrEqual(due - 1); // timers may fire a little early…
    expect(plannedAt).toBeLessThanOrEqual(due + 2); // …and a stamp is never later than due + slack, however late the send
    expect(sentAt).toBeGreaterThanOrEqual(plannedAt); // the stamp never postdates the send
  });
});

it('a stalled sender shows in the planned times: the messages it owed carry their planned time, not the late one', async () => {
  const sends = await runPacer(200, 600, { at: 100, ms: 200 });
  const lateness = sends.map(([plannedAt, sentAt]) => sentAt - plannedAt);
  // Stamping the actual send time would make every one of these look on time.
  expect(Math.max(...lateness)).toBeGreaterThanOrEqual(150);
  expect(lateness.filter((l) => l >= 50).length).toBeGreaterThanOrEqual(20); // ~40 messages fell due during the stall
  expect(sends.length).toBeGreaterThanOrEqual(100); // and it caught up: ~120 due in 600 ms
});

it('fast rates go out in small bursts whose slot, not each message, is the planned time', async () => {
  const sends = await runPacer(2000, 300);
  expect(sends.length).toBeGreaterThanOrEqual(500);
  const slots = new Set(sends.map(([plannedAt]) => plannedAt));
  expect(slots.size).toBeLessThan(sends.length / 5); // bursts of ~10 share a slot (5 ms at 2000/s)
});
