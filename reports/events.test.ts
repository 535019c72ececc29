import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventRows, MAX_GROUPS, MAX_LISTED_EVENTS } from './events.js';
import { parseResults, renderHtml, renderTable } from './index.js';
import type { RunResult } from '../scenarios/results.js';

const fixture = parseResults(
  JSON.parse(readFileSync(new URL('./fixtures/small-results.json', import.meta.url), 'utf8')),
);

/** Two runs: `many` events of `kinds` kinds on the first, two on the second. */
function runsWith(many: number, kinds: number): RunResult[] {
  const [a, b] = structuredClone(fixture.runs.slice(0, 2)) as [RunResult, RunResult];
  a.events = Array.from({ length: many }, (_, i) => ({ t: i, type: `kind-${i % kinds}`, detail: `client ${i}` }));
  b.events = [
    { t: 5, type: 'down', detail: 'client 1: gone' },
    { t: 9, type: 'down', detail: 'client 2: gone' },
  ];
  return [a, b];
}

describe('events in reports', () => {
  it('lists a few events one by one', () => {
    const { rows, grouped, total } = eventRows(runsWith(10, 3));
    expect(grouped).toBe(false);
    expect(total).toBe(12);
    expect(rows).toHaveLength(12);
    expect(rows.map((r) => r.firstT)).toEqual([...rows.map((r) => r.firstT)].sort((x, y) => x - y));
  });

  it('groups many by run and kind: counts, first and last time, busiest first, capped', () => {
    const runs = runsWith(1000, 3);
    const { rows, grouped, total, leftOut } = eventRows(runs);
    expect(grouped).toBe(true);
    expect(total).toBe(1002);
    expect(rows).toHaveLength(4);
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(1002);
    expect(rows[0]).toMatchObject({ run: runs[0], type: 'kind-0', count: 334, firstT: 0, lastT: 999 });
    expect(rows.at(-1)).toMatchObject({ run: runs[1], type: 'down', count: 2, firstT: 5, lastT: 9 });
    expect(leftOut).toBe(0);

    const wide = eventRows(runsWith(1000, 100));
    expect(wide.rows).toHaveLength(MAX_GROUPS);
    expect(wide.rows.reduce((n, r) => n + r.count, 0) + wide.leftOut).toBe(1002);
  });

  it('keeps the HTML report small when a run has thousands of events', () => {
    const results = { ...fixture, runs: runsWith(5000, 4) };
    const html = renderHtml(results);
    expect(html).toContain('Events (5002, grouped by kind');
    expect(html.split('client ').length - 1).toBeLessThan(MAX_GROUPS + MAX_LISTED_EVENTS);
    expect(renderTable(results)).not.toContain('client 4999');
  });
});
