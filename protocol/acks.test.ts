/**
 * The ack schedule on its own, with real timers. A timer never fires early, so what these tests
 * assert about time is a lower bound (an ack not sent before its delay), which load cannot break;
 * waits for what must happen are generous.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AckSchedule, POST_ACK_SCALE } from './acks.js';
import { toPayload } from './payload.js';
import { Sequencer } from './sequencer.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A receiver: its sequencer, its schedule, and the acks it sent alone (with when). */
function receiver(every: number, delayMs: number) {
  const seq = new Sequencer();
  const sent: number[] = [];
  const sentAt: number[] = [];
  const flushAck = () => {
    const ack = seq.takeAck();
    if (ack === undefined) return;
    sent.push(ack);
    sentAt.push(performance.now());
  };
  const acks = new AckSchedule(seq, { flushAck }, every, delayMs);
  schedules.push(acks);
  let next = 1;
  const arrive = (cost: 'frame' | 'post' | 'poll' = 'frame') => {
    expect(seq.arrive(next++)).toBe('next');
    acks.received(cost);
    return performance.now();
  };
  /** A reply of this side's own, carrying the ack if it moved. */
  const reply = () => seq.envelope(seq.queue(toPayload('reply', 1024)), toPayload('reply', 1024)).ack;
  const until = async (count: number) => {
    for (let waited = 0; sent.length < count && waited < 5000; waited += 10) await sleep(10);
  };
  return { seq, acks, sent, sentAt, arrive, reply, until };
}

let schedules: AckSchedule[] = [];
afterEach(() => {
  for (const s of schedules) s.cancel();
  schedules = [];
});

describe('AckSchedule', () => {
  it('acks alone at once when `every` messages are unacknowledged', () => {
    const r = receiver(3, 60_000);
    r.arrive();
    r.arrive();
    expect(r.sent).toEqual([]);
    r.arrive();
    expect(r.sent).toEqual([3]);
  });

  it('acks alone after delayMs when nothing carried the ack, not before', async () => {
    const r = receiver(100, 80);
    const first = r.arrive();
    r.arrive();
    await r.until(1);
    expect(r.sent).toEqual([2]);
    expect(r.sentAt[0] - first).toBeGreaterThanOrEqual(75);
  });

  it('sends nothing when the ack went out on data; what arrived after it gets a delay of its own', async () => {
    const r = receiver(100, 80);
    r.arrive();
    expect(r.reply()).toBe(1); // piggybacked on this side's data
    await sleep(30);
    const second = r.arrive();
    await r.until(1);
    expect(r.sent).toEqual([2]); // nothing for seq 1, which went out on the reply
    expect(r.sentAt[0] - second).toBeGreaterThanOrEqual(75); // not right behind the piggybacked ack
  });

  it('where an ack costs a POST both bounds are 16× larger; where polls carry it nothing is scheduled', async () => {
    const post = receiver(2, 10);
    const poll = receiver(2, 10);
    const first = post.arrive('post');
    for (let i = 1; i < 2 * POST_ACK_SCALE - 1; i++) post.arrive('post');
    for (let i = 0; i < 3 * POST_ACK_SCALE; i++) poll.arrive('poll');
    expect(post.sent).toEqual([]);
    await post.until(1);
    expect(post.sent).toEqual([2 * POST_ACK_SCALE - 1]);
    expect(post.sentAt[0] - first).toBeGreaterThanOrEqual(10 * POST_ACK_SCALE - 5);
    post.arrive('post');
    post.arrive('post');
    expect(post.sent).toEqual([2 * POST_ACK_SCALE - 1]); // 2 since the last ack: far from 32
    await sleep(50);
    expect(poll.sent).toEqual([]);
  });

  it('now() acks at once (answering a ping); cancel() drops the delay', async () => {
    const r = receiver(100, 20);
    r.arrive();
    r.acks.now();
    expect(r.sent).toEqual([1]);
    r.arrive();
    r.acks.cancel();
    await sleep(80);
    expect(r.sent).toEqual([1]);
  });

  it('a sender asks for the ack once its unacknowledged bytes pass half its budget, then again only after an ack', () => {
    const seq = new Sequencer();
    const acks = new AckSchedule(seq, { flushAck: () => {} }, 64, 1000);
    const budget = 1000;
    const send = (bytes: number) => {
      seq.queue(toPayload('x'.repeat(bytes), budget));
      return acks.shouldAsk(budget);
    };
    expect(send(300)).toBe(false);
    expect(send(300)).toBe(true); // 600 of 1000
    expect(send(100)).toBe(false); // asked, and no ack since
    seq.acknowledge(1); // 400 left
    expect(send(50)).toBe(false); // 450: below half
    expect(send(100)).toBe(true); // 550, and an ack arrived since the last ask
  });
});
