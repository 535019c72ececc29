/**
 * The run's emulated network as the runner sees it: the proxy (network/proxy.ts) with the wire meter
 * on its client-facing sockets, in one or more proxy processes (load/proxy-process.ts). Client i
 * goes to shard i mod shards; each shard meters its own connections and the figures are added at
 * close (bytes and bandwidth are sums, so the totals are as exact as one meter's). More shards:
 * more descriptors (each process has its own limit, engine/limits.ts) and more cores for the
 * proxy's work, none of it on the runner's thread.
 *
 * With a `tap` (the inspector sees every byte in this thread) the proxy runs inline instead: one
 * proxy in the runner's thread, as before.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ConnectionTap, createProxy, type ProxyEvent } from '../network/proxy.js';
import { teeTap } from '../network/tee.js';
import type { MiddleboxSpec } from '../network/middleboxes.js';
import type { NetworkProfile } from '../network/profiles.js';
import { createWireMeter, type BandwidthPoint, type ConnectionBytes, type WireMeter } from '../meter/meter.js';
import { KeyLog } from '../meter/tls.js';
import { addBreakdown, emptyBreakdown } from '../meter/tally.js';
import type { ProxyProcessInit, ProxyProcessStart } from '../load/proxy-process.js';
import { Caller } from '../load/ipc.js';
import type { ByteBreakdown } from '../results.js';
import { BOOT, busyShare, type CpuReading, entry } from './processes.js';

type Totals = { upstream: ByteBreakdown; downstream: ByteBreakdown };

export interface ProxyFigures {
  /** Null when the meter never started. */
  totals: Totals | null;
  counts: { connections: number; requests: number };
  /** Each connection's bytes, when asked for (a capture's comparison; one shard). */
  connections?: ConnectionBytes[];
  bandwidth: BandwidthPoint[];
  /** Cuts and middlebox events. */
  events: ProxyEvent[];
}

export interface ProxySide {
  readonly shards: number;
  /** Every listening port (a capture filters on them). */
  readonly ports: readonly number[];
  readonly middlebox: string | null;
  /** Client i's port (its own link: network/proxy.ts). */
  portFor(client: number): number;
  /** Every shard's meter's request cycles in [from, to] (meter.ts requestCycles), sorted. */
  requestCycles(from: number, to: number): Promise<number[]>;
  /** Starts the meter: every connection from now on is metered, its bandwidth counted from `startedAt`. */
  start(meter: ProxyProcessStart): Promise<void>;
  /**
   * Starts measuring the proxy processes' CPU; the function returned gives their busy time since
   * then, of one core (1 = 100 %), all shards together (null inline: the proxy's time is the runner's).
   */
  markCpu(): () => Promise<number | null>;
  /** Stops accepting, ends every connection, and returns what the meters counted. */
  close(options?: { connections: boolean }): Promise<ProxyFigures>;
}

export interface ProxySideOptions {
  target: { host: string; port: number };
  network: NetworkProfile;
  middlebox: MiddleboxSpec | null;
  clients: number;
  shards: number;
  /** Inline only. */
  tap?: (connectionId: number) => ConnectionTap;
}

export function startProxySide(options: ProxySideOptions): Promise<ProxySide> {
  return options.tap ? inlineProxy(options, options.tap) : proxyProcesses(options);
}

async function inlineProxy(options: ProxySideOptions, tap: (id: number) => ConnectionTap): Promise<ProxySide> {
  let meter: WireMeter | null = null;
  const events: ProxyEvent[] = [];
  const proxy = await createProxy({
    target: options.target,
    network: options.network,
    middlebox: options.middlebox,
    clients: options.clients,
    tap: (id, info) => teeTap(meter!.tap(id, info), tap(id)),
    onEvent: (e) => (e.type === 'cut' || e.type === 'middlebox') && events.push(e),
  });
  return {
    shards: 1,
    ports: proxy.ports,
    middlebox: proxy.middlebox,
    portFor: (client) => proxy.ports[client]!,
    requestCycles: async (from, to) => meter?.requestCycles(from, to) ?? [],
    async start({ dialect, startedAt, keylogFile }) {
      meter = createWireMeter({ dialect, startedAt, ...(keylogFile ? { keylog: new KeyLog(keylogFile) } : {}) });
    },
    markCpu: () => async () => null,
    async close(how) {
      await proxy.close();
      return {
        totals: meter?.totals() ?? null,
        counts: meter?.counts() ?? { connections: 0, requests: 0 },
        ...(how?.connections && meter ? { connections: meter.connections() } : {}),
        bandwidth: meter?.bandwidth() ?? [],
        events,
      };
    },
  };
}

interface Shard {
  caller: Caller;
  /** Its clients' ports: the shard's client j (run client j · shards + k) has ports[j]. */
  ports: number[];
  stop(): Promise<void>;
}

async function startShard(init: ProxyProcessInit): Promise<Shard & { middlebox: string | null }> {
  const child = fork(BOOT, [fileURLToPath(entry('proxy-process'))], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Its own process group, like the server: Ctrl-C reaches the runner, which closes the shard itself.
    detached: true,
  });
  const caller = new Caller({ post: (m) => child.send(m as object), listen: (fn) => child.on('message', fn) });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => caller.failAll(new Error(`proxy process exited (${code})`)));
  child.on('error', (err) => caller.failAll(err));
  try {
    // Thousands of listening ports take a moment to open.
    const { ports, middlebox } = await caller.call<{ ports: number[]; middlebox: string | null }>(
      'init',
      init,
      30_000 + 5 * init.clients,
    );
    return {
      caller,
      ports,
      middlebox,
      async stop() {
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.disconnect();
        await exited;
        clearTimeout(timer);
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

async function proxyProcesses(options: ProxySideOptions): Promise<ProxySide> {
  const settled = await Promise.allSettled(
    Array.from({ length: options.shards }, (_, k) =>
      startShard({
        target: options.target,
        network: options.network,
        middlebox: options.middlebox,
        // Client i goes to shard i mod shards.
        clients: Math.floor(options.clients / options.shards) + (k < options.clients % options.shards ? 1 : 0),
        // Shard k > 0 connects from 127.0.0.(k+1): each shard has the whole ephemeral port range to
        // reach the server with (one address has about 28k ports, fewer than 10,000 SSE clients need).
        ...(k > 0 ? { localAddress: `127.0.0.${k + 1}` } : {}),
      }),
    ),
  );
  const shards = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(shards.map((s) => s.stop()));
    throw new Error(`proxy process: ${(failed.reason as Error).message}`);
  }
  const cpuReadings = () => Promise.all(shards.map((s) => s.caller.call<CpuReading>('cpu')));
  return {
    shards: shards.length,
    ports: shards.flatMap((s) => s.ports),
    middlebox: shards[0]!.middlebox,
    portFor: (client) => shards[client % shards.length]!.ports[Math.floor(client / shards.length)]!,
    async requestCycles(from, to) {
      const all = await Promise.all(shards.map((s) => s.caller.call<number[]>('requestCycles', { from, to })));
      return all.flat().sort((a, b) => a - b);
    },
    async start(meter) {
      await Promise.all(shards.map((s) => s.caller.call('start', meter)));
    },
    markCpu() {
      const from = cpuReadings();
      return async () => busyShare(await from, await cpuReadings());
    },
    async close(how) {
      const figures = await Promise.all(
        shards.map((s) =>
          s.caller.call<ProxyFigures>('close', { connections: how?.connections ?? false }, 30_000).catch(() => null),
        ),
      );
      await Promise.all(shards.map((s) => s.stop()));
      return mergeFigures(figures.filter((f): f is ProxyFigures => f !== null));
    },
  };
}

/** The shards' figures as one meter's: bytes and bandwidth added, events together. */
export function mergeFigures(figures: ProxyFigures[]): ProxyFigures {
  const metered = figures.filter((f) => f.totals !== null);
  const totals =
    metered.length === 0
      ? null
      : metered.reduce(
          (sum, f) => ({
            upstream: addBreakdown(sum.upstream, f.totals!.upstream),
            downstream: addBreakdown(sum.downstream, f.totals!.downstream),
          }),
          { upstream: emptyBreakdown(), downstream: emptyBreakdown() },
        );
  const perSecond = new Map<number, BandwidthPoint>();
  for (const p of figures.flatMap((f) => f.bandwidth)) {
    const sum = perSecond.get(p.t) ?? { t: p.t, upBytesPerSec: 0, downBytesPerSec: 0 };
    sum.upBytesPerSec += p.upBytesPerSec;
    sum.downBytesPerSec += p.downBytesPerSec;
    perSecond.set(p.t, sum);
  }
  const connections = figures.flatMap((f) => f.connections ?? []);
  return {
    totals,
    counts: {
      connections: figures.reduce((n, f) => n + f.counts.connections, 0),
      requests: figures.reduce((n, f) => n + f.counts.requests, 0),
    },
    ...(figures.some((f) => f.connections) ? { connections } : {}),
    bandwidth: [...perSecond.values()].sort((a, b) => a.t - b.t),
    events: figures.flatMap((f) => f.events).sort((a, b) => a.at - b.at),
  };
}
