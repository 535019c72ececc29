/**
 * Lanes: one network proxy per page connection (scenarios/network/proxy.ts), so a tab gets its own
 * network profile and middlebox, "cut" cuts only that tab's connections, and the wire bytes counted
 * belong to that tab alone.
 *
 * Wire bytes are counted by the proxy on its client-facing socket (what a packet capture on the
 * proxy port shows as TCP payload), summed over every connection the lane ever had, both
 * directions. A lane nobody has asked about for `idleMs` is closed.
 */
import { randomUUID } from 'node:crypto';
import { createProxy, type NetworkProxy, type ProxyEvent } from '../scenarios/network/proxy.js';

export interface LaneSpec {
  network: string;
  middlebox: string | null;
}

export interface LaneStats {
  id: string;
  port: number;
  network: string;
  middlebox: string | null;
  /** TCP payload bytes read from / written to the page, all connections of the lane. */
  upstreamBytes: number;
  downstreamBytes: number;
  connections: number;
  openConnections: number;
  /** Proxy events since the last stats call (opens, closes, cuts, middlebox actions). */
  events: Array<Pick<ProxyEvent, 'type' | 'detail' | 'at'>>;
}

interface Tally {
  up: number;
  down: number;
  connections: number;
  events: LaneStats['events'];
}

interface Lane {
  proxy: NetworkProxy;
  tally: Tally;
  lastSeen: number;
}

const MAX_EVENTS = 50;

export function createLanes(target: () => { host: string; port: number }, idleMs = 120_000) {
  const lanes = new Map<string, Lane>();

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
    const tally: Tally = { up: 0, down: 0, connections: 0, events: [] };
    const proxy = await createProxy({
      target: target(),
      network: spec.network,
      middlebox: spec.middlebox,
      onEvent: ({ type, detail, at }) => {
        if (type === 'open') tally.connections++;
        if (tally.events.length < MAX_EVENTS) tally.events.push({ type, detail, at });
      },
      tap: () => ({
        upstream: (b) => void (tally.up += b.length),
        downstream: (b) => void (tally.down += b.length),
        close() {},
      }),
    });
    lanes.set(id, { proxy, tally, lastSeen: Date.now() });
    return stats(id);
  }

  function stats(id: string): LaneStats {
    const { proxy, tally } = get(id);
    return {
      id,
      port: proxy.port,
      network: proxy.profile.name,
      middlebox: proxy.middlebox,
      upstreamBytes: tally.up,
      downstreamBytes: tally.down,
      connections: tally.connections,
      openConnections: proxy.connections().length,
      events: tally.events.splice(0),
    };
  }

  function cut(id: string): number {
    return get(id).proxy.cutAll('cut from the demo page');
  }

  async function close(id: string): Promise<void> {
    const lane = lanes.get(id);
    if (!lane) return;
    lanes.delete(id);
    await lane.proxy.close();
  }

  async function closeAll(): Promise<void> {
    clearInterval(sweep);
    await Promise.all([...lanes.keys()].map(close));
  }

  return { open, stats, cut, close, closeAll };
}

export type Lanes = ReturnType<typeof createLanes>;
