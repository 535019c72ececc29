/**
 * The inspector's categories must agree with the wire meter's for the same bytes: the same exchange
 * (three echoed messages, a close) on every contender, through one proxy carrying both taps. Summed
 * over records, every category of every direction equals the meter's count, and the records hold
 * every byte once.
 */
import { describe, expect, it } from 'vitest';
import { CONTENDER_INFO } from '../contenders.js';
import { createWireMeter } from '../meter/meter.js';
import { CATEGORIES, emptyBreakdown } from '../meter/tally.js';
import type { Contender } from '../results.js';
import { until } from '../meter/testkit.js';
import { inspectExchange } from './exchange.js';
import type { InspectRecord } from './record.js';

const CONTENDERS: Contender[] = ['websocket', 'sse', 'long-polling', 'socketio', 'socketio-polling', 'raw-ws'];

describe('inspector categories vs the wire meter', () => {
  it.each(CONTENDERS)('%s: every category of every direction is equal', async (contender) => {
    const meter = createWireMeter({ dialect: CONTENDER_INFO[contender].dialect });
    const records: InspectRecord[] = [];
    await inspectExchange({ contender, onRecord: (r) => records.push(r), tap: meter.tap });
    await until(() => meter.connections().every((c) => !c.open));
    const summed = { upstream: emptyBreakdown(), downstream: emptyBreakdown() };
    for (const r of records) {
      const into = summed[r.direction];
      into.total += r.length;
      for (const c of CATEGORIES) into[c] += r.breakdown[c];
      expect(
        CATEGORIES.reduce((n, c) => n + r.breakdown[c], 0),
        `record #${r.id} adds up`,
      ).toBe(r.length);
    }
    const metered = meter.totals();
    expect(metered.upstream.payload).toBeGreaterThan(0);
    expect(summed).toEqual(metered);
    // Records in one direction of one connection come out in wire order, ids strictly rising.
    expect(records.map((r) => r.id)).toEqual(records.map((_, i) => i + 1));
  });
});
