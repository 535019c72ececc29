/**
 * Lanes: one network proxy per page connection (scenarios/network/proxy.ts), so a tab (or a compare
 * lane) gets its own network profile and middlebox, "cut" cuts only that lane's connections, and the
 * wire bytes counted belong to that lane alone.
 *
 * Wire bytes are counted by the proxy on its client-facing socket (what a packet capture on the
 * proxy port shows as TCP payload), summed over every connection the lane ever had, both
 * directions. The wire inspector (scenarios/inspect/) decodes the same bytes into records, kept in a
 * bounded ring per lane (MAX_RECORDS records, MAX_RECORD_BYTES kept bytes), and sums their byte
 * categories — the wire meter's categories — per direction.
 *
 * A lane is retired, not closed at once: its proxy stays up until the lane has been quiet (no byte
 * either way) for QUIET_MS, at most RETIRE_MAX_MS, so the goodbye of the connection that leaves it
 * still reaches the server through the emulated network. A lane nobody has asked about for `idleMs`
 * is closed.
 */
import { randomUUID } from 'node:crypto';
import { createInspector, type Inspector } from '../scenarios/inspect/inspector.js';
import type { InspectRecord } from '../scenarios/inspect/record.js';
import { addBreakdown, emptyBreakdown } from '../scenarios/meter/tally.js';
import { createProxy, type NetworkProxy, type ProxyEvent } from '../scenarios/network/proxy.js';
import { teeTap } from '../scenarios/network/tee.js';
import type { ByteBreakdown } from '../scenarios/results.js';

export interface LaneSpec {
  network: string;
  middlebox: string | null;
  /** To the demo's HTTPS + HTTP/2 listener (its throwaway certificate) instead of plain HTTP. */
  secure?: boolean;
}

export interface LaneStats {
  id: string;
  port: number;
  network: string;
  middlebox: string | null;
  secure: boolean;
  /** TCP payload bytes read from / written to the page, all connections of the lane. */
  upstreamBytes: number;
  downstreamBytes: number;
  /** The same bytes by category, as decoded so far (units still incomplete are not in yet). */
  categories: { upstream: ByteBreakdown; downstream: ByteBreakdown };
  connections: number;
  openConnections: number;
  /** Proxy events since the last stats call (opens, closes, cuts, middlebox actions). */
  events: Array<Pick<ProxyEvent, 'type' | 'detail' | 'at' | 'connectionId'>>;
}

interface Tally {
  up: number;
  down: number;
  connections: number;
  lastByteAt: number;
  events: LaneStats['events'];
  categories: LaneStats['categories'];
}

interface Lane {
  proxy: NetworkProxy;
  inspector: Inspector;
  tally: Tally;
  lastSeen: number;
  secure: boolean;
}

const MAX_EVENTS = 50;
const MAX_RECORDS = 300;
const MAX_RECORD_BYTES = 256 * 1024;
const QUIET_MS = 1_000;
const RETIRE_MAX_MS = 8_000;

/**
 * `target(secure)`: where a lane's proxy connects: the demo's plain listener, or its TLS one. A TLS
 * lane's bytes are counted, but not decoded (the inspector reads plaintext).
 */
export function createLanes(target: (secure: boolean) => { host: string; port: number }, idleMs = 120_000) {
  const lanes = new Map<string, Lane>();
  const retiring = new Set<ReturnType<typeof setInterval>>();

  const sweep = setInterval(() => {
    for (const [id, lane] of lanes) if (Date.now() - lane.lastSeen > idleMs) void close(id);
  }, 10_000);
  sweep.unref();

  function get(id: string): Lane {
    const lane = lanes.get(id);
    if (!lane) throw Object.assign(new Error(`no lane ${id}`), { status: 404 });
    lane.lastSeen = Date.now();
    return lane;
  }

  async function open(spec: LaneSpec): Promise<LaneStats> {
    const id = randomUUID();
    const tally: Tally = {
      up: 0,
      down: 0,
      connections: 0,
      lastByteAt: Date.now(),
      events: [],
      categories: { upstream: emptyBreakdown(), downstream: emptyBreakdown() },
    };
    const inspector = createInspector({
      dialect: 'auto', // ours or Socket.IO, by each connection's first request
      maxRecords: MAX_RECORDS,
      maxBytes: MAX_RECORD_BYTES,
      onRecord: (r: InspectRecord) => void addBreakdown(tally.categories[r.direction], r.breakdown),
    });
    const count = (bytes: Buffer, side: 'up' | 'down') => {
      tally[side] += bytes.length;
      tally.lastByteAt = Date.now();
    };
    const proxy = await createProxy({
      target: target(spec.secure ?? false),
      network: spec.network,
      middlebox: spec.middlebox,
      onEvent: ({ type, detail, at, connectionId }) => {
        if (type === 'open') tally.connections++;
        if (tally.events.length < MAX_EVENTS) tally.events.push({ type, detail, at, connectionId });
      },
      tap: (connectionId) => {
        const counter = {
          upstream: (b: Buffer) => count(b, 'up'),
          downstream: (b: Buffer) => count(b, 'down'),
          close() {},
        };
        return spec.secure ? counter : teeTap(inspector.tap(connectionId), counter);
      },
    });
    lanes.set(id, { proxy, inspector, tally, lastSeen: Date.now(), secure: spec.secure ?? false });
    return stats(id);
  }

  function stats(id: string): LaneStats {
    const { proxy, tally, secure } = get(id);
    return {
      id,
      port: proxy.port,
      network: proxy.profile.name,
      middlebox: proxy.middlebox,
      secure,
      upstreamBytes: tally.up,
      downstreamBytes: tally.down,
      categories: tally.categories,
      connections: tally.connections,
      openConnections: proxy.connections().length,
      events: tally.events.splice(0),
    };
  }

  /** Decoded records with an id above `after` (see scenarios/inspect/inspector.ts). */
  function records(id: string, after: number): { records: InspectRecord[]; count: number } {
    const { inspector } = get(id);
    return { records: inspector.records(after, 100), count: inspector.count };
  }

  function cut(id: string): number {
    return get(id).proxy.cutAll('cut from the demo page');
  }

  /** Closes the lane once it has been quiet for QUIET_MS (at most RETIRE_MAX_MS from now). */
  function retire(id: string): void {
    const lane = lanes.get(id);
    if (!lane) return;
    const until = Date.now() + RETIRE_MAX_MS;
    const timer = setInterval(() => {
      if (Date.now() - lane.tally.lastByteAt < QUIET_MS && Date.now() < until) return;
      clearInterval(timer);
      retiring.delete(timer);
      void close(id);
    }, 250);
    retiring.add(timer);
  }

  async function close(id: string): Promise<void> {
    const lane = lanes.get(id);
    if (!lane) return;
    lanes.delete(id);
    await lane.proxy.close();
  }

  async function closeAll(): Promise<void> {
    clearInterval(sweep);
    for (const timer of retiring) clearInterval(timer);
    await Promise.all([...lanes.keys()].map(close));
  }

  return { open, stats, records, cut, retire, close, closeAll };
}

export type Lanes = ReturnType<typeof createLanes>;
