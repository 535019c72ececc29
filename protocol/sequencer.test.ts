import { describe, expect, it } from 'vitest';
import { toPayload } from './payload.js';
import { Sequencer } from './sequencer.js';

const text = (s: string) => toPayload(s, 1 << 20);

describe('Sequencer', () => {
  it('numbers from 1, keeps until acked, counts bytes', () => {
    const seq = new Sequencer();
    expect([seq.queue(text('ab')), seq.queue(text('cde')), seq.queue(text('f'))]).toEqual([1, 2, 3]);
    expect(seq.bufferedBytes).toBe(6);
    expect(seq.acknowledge(2)).toBe(true);
    expect(seq.bufferedBytes).toBe(1);
    expect(seq.resend().map((e) => (e.type === 'data' ? e.seq : -1))).toEqual([3]);
    expect(seq.acknowledge(1)).toBe(true); // an old ack changes nothing
    expect(seq.bufferedBytes).toBe(1);
    expect(seq.acknowledge(4)).toBe(false); // beyond what was sent
  });

  it('classifies arrivals: next, duplicate, gap', () => {
    const seq = new Sequencer();
    expect(seq.arrive(1)).toBe('next');
    expect(seq.arrive(1)).toBe('duplicate');
    expect(seq.arrive(3)).toBe('gap');
    expect(seq.received).toBe(1);
    expect(seq.arrive(2)).toBe('next');
  });

  it('piggybacks the ack once, only when it moved', () => {
    const seq = new Sequencer();
    seq.arrive(1);
    seq.arrive(2);
    const n = seq.queue(text('x'));
    expect(seq.envelope(n, text('x'))).toMatchObject({ seq: 1, ack: 2 });
    expect(seq.envelope(n, text('x'))).toMatchObject({ seq: 1, ack: undefined });
    seq.arrive(3);
    expect(seq.envelope(n, text('x'), false)).toMatchObject({ ack: undefined });
    expect(seq.unacknowledged).toBe(1);
    seq.ackedUpTo(3);
    expect(seq.takeAck()).toBeUndefined();
  });

  it('stays correct across compaction of a long acknowledged prefix', () => {
    const seq = new Sequencer();
    for (let i = 1; i <= 5000; i++) seq.queue(text('z'));
    for (let ack = 100; ack <= 4900; ack += 100) seq.acknowledge(ack);
    expect(seq.unconfirmedCount).toBe(100);
    expect(seq.bufferedBytes).toBe(100);
    expect(seq.resend()[0]).toMatchObject({ seq: 4901 });
    seq.reset();
    expect([seq.unconfirmedCount, seq.bufferedBytes, seq.received, seq.queue(text('a'))]).toEqual([0, 0, 0, 1]);
  });

  it('takes up a stream kept elsewhere: numbering, resend and acks continue from it', () => {
    const seq = new Sequencer();
    seq.restore(10, [text('k'), text('lm')], 5);
    expect([seq.sent, seq.acknowledged, seq.received, seq.unconfirmedCount, seq.bufferedBytes]).toEqual([
      12, 10, 5, 2, 3,
    ]);
    expect(seq.payload(11)).toMatchObject({ body: 'k' });
    expect(seq.resend().map((e) => [e.seq, e.body])).toEqual([
      [11, 'k'],
      [12, 'lm'],
    ]);
    expect(seq.acknowledge(11)).toBe(true);
    expect(seq.unconfirmed().map((p) => p.body)).toEqual(['lm']);
    expect(seq.queue(text('n'))).toBe(13);
    expect(seq.arrive(6)).toBe('next');
  });
});
