/**
 * The events of a comparison group, sized for a report: listed one by one while they are few; when
 * they are many (thousands of clients reconnecting or failing alike), one row per contender and
 * event type with its count, first and last time and the first detail, the busiest kinds first and
 * at most MAX_GROUPS of them (the rest counted in a last row).
 */
import type { RunResult } from '../scenarios/results.js';

/** Events listed one by one up to this many. */
export const MAX_LISTED_EVENTS = 50;
/** Grouped rows shown at most. */
export const MAX_GROUPS = 40;

export interface EventRow {
  run: RunResult;
  type: string;
  /** Of this kind in this run (1 when listed one by one). */
  count: number;
  firstT: number;
  lastT: number;
  /** The first one's detail. */
  detail: string;
}

export interface EventRows {
  rows: EventRow[];
  /** Every event of the group. */
  total: number;
  grouped: boolean;
  /** Events in kinds beyond MAX_GROUPS, not in `rows`. */
  leftOut: number;
}

export function eventRows(runs: readonly RunResult[]): EventRows {
  const all = runs.flatMap((run) => run.events.map((event) => ({ run, event }))).sort((a, b) => a.event.t - b.event.t);
  if (all.length <= MAX_LISTED_EVENTS)
    return {
      rows: all.map(({ run, event: e }) => ({
        run,
        type: e.type,
        count: 1,
        firstT: e.t,
        lastT: e.t,
        detail: e.detail,
      })),
      total: all.length,
      grouped: false,
      leftOut: 0,
    };
  const kinds = new Map<string, EventRow>();
  for (const { run, event } of all) {
    const key = `${runs.indexOf(run)}\u0000${event.type}`;
    const row = kinds.get(key);
    if (row) {
      row.count++;
      row.lastT = event.t;
    } else kinds.set(key, { run, type: event.type, count: 1, firstT: event.t, lastT: event.t, detail: event.detail });
  }
  const rows = [...kinds.values()].sort((a, b) => b.count - a.count || a.firstT - b.firstT);
  const shown = rows.slice(0, MAX_GROUPS);
  return {
    rows: shown,
    total: all.length,
    grouped: true,
    leftOut: rows.slice(MAX_GROUPS).reduce((n, r) => n + r.count, 0),
  };
}
