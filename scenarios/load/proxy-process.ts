/**
 * A proxy process: one shard of the run's emulated network (network/proxy.ts) with the wire meter
 * on its client-facing sockets (meter/meter.ts), off the runner's thread and in its own process, so
 * a connect storm or 10,000 clients' traffic costs the runner nothing and each shard's descriptors
 * count against its own limit (engine/limits.ts). Started by engine/proxy-side.ts through boot.mjs,
 * driven by RPC (init, start, cpu, close). What it measured leaves as the meter's figures at close.
 */
import { createProxy, type NetworkProxy, type ProxyEvent } from '../network/proxy.js';
import type { MiddleboxSpec } from '../network/middleboxes.js';
import type { NetworkProfile } from '../network/profiles.js';
import { createWireMeter, type WireMeter } from '../meter/meter.js';
import { KeyLog } from '../meter/tls.js';
import type { Dialect } from '../meter/dissector.js';
import { serve } from './ipc.js';

export interface ProxyProcessInit {
  target: { host: string; port: number };
  /** This shard's clients: one listening port (one link) each. */
  clients: number;
  network: NetworkProfile;
  middlebox: MiddleboxSpec | null;
  /** Connect to the target from this local address (spreads source ports over 127.0.0.0/8). */
  localAddress?: string;
}

export interface ProxyProcessStart {
  dialect: Dialect;
  startedAt: number;
  /** The server's TLS key log file (a run over TLS). */
  keylogFile?: string;
}

/** Events kept per shard; the rest are counted by type. */
const MAX_EVENTS = 200;

// Like the server process: the runner stops it ('close'); it cannot outlive the runner.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('disconnect', () => process.exit(0));
if (!process.connected) process.exit(0);

let proxy: NetworkProxy | null = null;
let meter: WireMeter | null = null;
const events: ProxyEvent[] = [];
const dropped = new Map<string, number>();

serve(
  { post: (m) => process.send!(m as object), listen: (fn) => process.on('message', fn) },
  {
    async init(init: ProxyProcessInit) {
      proxy = await createProxy({
        target: init.target,
        network: init.network,
        middlebox: init.middlebox,
        clients: init.clients,
        ...(init.localAddress ? { localAddress: init.localAddress } : {}),
        tap: (id, info) => meter!.tap(id, info),
        onEvent: (e) => {
          if (e.type !== 'cut' && e.type !== 'middlebox') return;
          if (events.length < MAX_EVENTS) events.push(e);
          else dropped.set(e.type, (dropped.get(e.type) ?? 0) + 1);
        },
      });
      return { ports: proxy.ports, middlebox: proxy.middlebox, pid: process.pid };
    },
    /** The meter starts now: every connection from here on is metered (none arrive before). */
    start({ dialect, startedAt, keylogFile }: ProxyProcessStart) {
      meter = createWireMeter({ dialect, startedAt, ...(keylogFile ? { keylog: new KeyLog(keylogFile) } : {}) });
    },
    /** The meter's request cycles in [from, to] (sorted). */
    requestCycles: ({ from, to }: { from: number; to: number }) => meter?.requestCycles(from, to) ?? [],
    /** CPU time of this process so far (µs) and when it was read (ms): the proxy's busy share. */
    cpu: () => {
      const { user, system } = process.cpuUsage();
      return { us: user + system, at: Date.now() };
    },
    /** Stops accepting, ends every connection, then reports what the meter counted (`connections`: each one's too). */
    async close({ connections }: { connections: boolean }) {
      await proxy?.close();
      const at = Date.now();
      for (const [type, n] of dropped)
        events.push({ type: type as ProxyEvent['type'], connectionId: 0, detail: `${n} more ${type} events`, at });
      return {
        totals: meter?.totals() ?? null,
        counts: meter?.counts() ?? { connections: 0, requests: 0 },
        ...(connections && meter ? { connections: meter.connections() } : {}),
        bandwidth: meter?.bandwidth() ?? [],
        events,
      };
    },
  },
);
