import { expect, it } from 'vitest';
import { DeliveryTracker, deliveryCounts } from './delivery.js';

it('counts distinct, duplicate and late sequence numbers per stream', () => {
  const t = new DeliveryTracker();
  for (const seq of [1, 2, 4, 3, 4, 5, 9000]) t.record(1, seq);
  for (const seq of [1, 2]) t.record(2, seq); // another stream: its 1 and 2 are not duplicates
  expect(t.totals()).toEqual({ received: 8, duplicated: 1, outOfOrder: 1 });
});

it('derives loss from what the sender counted', () => {
  expect(deliveryCounts(10, { received: 7, duplicated: 2, outOfOrder: 1 })).toEqual({
    sent: 10,
    received: 7,
    lost: 3,
    duplicated: 2,
    outOfOrder: 1,
  });
});
