import { describe, expect, it } from 'vitest';
import type { CapturedBytes } from './capture.js';
import type { ConnectionBytes } from './meter.js';
import { emptyBreakdown } from './tally.js';
import { checkWire } from './wire-check.js';

const connection = (remotePort: number, up: number, down: number, cut = false): ConnectionBytes => ({
  id: remotePort,
  open: false,
  remotePort,
  cut,
  requests: 0,
  upstream: { ...emptyBreakdown(), total: up, payload: up },
  downstream: { ...emptyBreakdown(), total: down, payload: down },
});

const capture = (flows: Array<[number, number, number]>): CapturedBytes => ({
  upstream: flows.reduce((n, [, up]) => n + up, 0),
  downstream: flows.reduce((n, [, , down]) => n + down, 0),
  retransmitted: 0,
  packets: 0,
  byClientPort: new Map(flows.map(([port, upstream, downstream]) => [port, { upstream, downstream }])),
});

describe('checkWire', () => {
  it('equal and accounted when every connection matches', () => {
    const check = checkWire(
      capture([
        [1, 10, 20],
        [2, 5, 5],
      ]),
      [connection(1, 10, 20), connection(2, 5, 5)],
    );
    expect(check).toMatchObject({ equal: true, accounted: true, inFlightAtCuts: { upstream: 0, downstream: 0 } });
  });

  it('names the bytes a cut connection had in flight; the totals then differ', () => {
    const check = checkWire(
      capture([
        [1, 10, 20],
        [2, 90, 5],
      ]),
      [connection(1, 10, 20), connection(2, 60, 5, true)],
    );
    expect(check).toMatchObject({
      equal: false,
      accounted: true,
      cutConnections: 1,
      inFlightAtCuts: { upstream: 30, downstream: 0 },
    });
  });

  it('a difference on a connection that ended in order is a mismatch, not bytes in flight', () => {
    const check = checkWire(capture([[1, 11, 20]]), [connection(1, 10, 20)]);
    expect(check.accounted).toBe(false);
    expect(check.mismatches).toEqual([
      {
        clientPort: 1,
        metered: { upstream: 10, downstream: 20 },
        captured: { upstream: 11, downstream: 20 },
        cut: false,
      },
    ]);
  });

  it('the meter counting more than the wire carried is a mismatch even on a cut connection', () => {
    const check = checkWire(capture([[1, 10, 20]]), [connection(1, 12, 20, true)]);
    expect(check.accounted).toBe(false);
  });

  it('a flow the meter never saw is a mismatch', () => {
    expect(checkWire(capture([[7, 1, 0]]), []).accounted).toBe(false);
  });
});
