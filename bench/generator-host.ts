/**
 * The bench's load generator: a process of its own holding groups of clients (one group = one
 * contender's clients against one server), through the same adapters the scenario engine uses
 * (scenarios/peers). A group runs one traffic mode at a time:
 *   echo   closed loop: each client keeps `inFlight` messages outstanding, sending one more per reply;
 *   paced  a fixed total rate spread over the clients (scenarios/load/pacer.ts), each payload
 *          stamped with its send time, round trips recorded in an HDR histogram;
 *   stream each client sends `rate` msg/s and counts what arrives (the bytes section).
 * `mark`/`read` bracket a measured window: messages, and this process's CPU share (process
 * CPU time ÷ wall time, of one core) and event-loop busy share — near 1 means the generator, not
 * the server, set the pace.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { serve } from '../scenarios/load/ipc.js';
import { newHistogram, recordMs, encodeHistogram, type Histogram } from '../scenarios/load/histograms.js';
import { Pacer } from '../scenarios/load/pacer.js';
import { now } from '../scenarios/load/payload.js';
import { loadClient, type ClientAdapter } from '../scenarios/peers/index.js';
import type { Contender } from '../scenarios/results.js';
import { filler, readSentAt, stamped } from './payload.js';

export interface OpenArgs {
  group: string;
  contender: Contender;
  baseUrl: string;
  count: number;
  /** Most connects in progress at once (a connect storm is not what the bench measures). */
  concurrency: number;
  timeoutMs: number;
}

export interface OpenResult {
  opened: number;
  ms: number;
  /** This process's CPU time ÷ wall time while opening (1 = one core). */
  cpuShare: number;
  /** Distinct client errors seen while opening (at most a few). */
  errors: string[];
}

export interface GeneratorWindow {
  received: number;
  sent: number;
  seconds: number;
  /** This process's CPU time ÷ wall time (1 = one core). */
  cpuShare: number;
  /** Event-loop busy share of the generator's main thread (0–1). */
  loopShare: number;
  /** Paced mode: round trips of the replies that arrived in the window. */
  latency: { count: number; p50Ms: number; p99Ms: number; encoded: string } | null;
}

interface Group {
  contender: Contender;
  clients: ClientAdapter[];
  opened: number;
  reconnects: number;
  errors: Set<string>;
  mode: 'idle' | 'echo' | 'paced' | 'stream';
  running: boolean;
  payload: string;
  received: number;
  sent: number;
  outstanding: number;
  histogram: Histogram;
  pacers: Pacer[];
  mark: { received: number; sent: number; cpu: NodeJS.CpuUsage; at: number; loop: EventLoopUtilization };
}

const MAX_ERRORS = 5;
const groups = new Map<string, Group>();

function group(name: string): Group {
  const g = groups.get(name);
  if (!g) throw new Error(`no client group ${name}`);
  return g;
}

function newMark(g: Pick<Group, 'received' | 'sent'>): Group['mark'] {
  return {
    received: g.received,
    sent: g.sent,
    cpu: process.cpuUsage(),
    at: performance.now(),
    loop: performance.eventLoopUtilization(),
  };
}

function onReply(g: Group, client: ClientAdapter, data: unknown): void {
  g.received++;
  if (g.mode === 'echo') {
    g.outstanding--;
    if (!g.running) return;
    g.sent++;
    g.outstanding++;
    client.send(g.payload);
  } else if (g.mode === 'paced') {
    g.outstanding--;
    const sentAt = readSentAt(data);
    if (sentAt !== null) recordMs(g.histogram, now() - sentAt);
  }
}

async function open(args: OpenArgs): Promise<OpenResult> {
  const createClient = await loadClient(args.contender);
  const g: Group = groups.get(args.group) ?? {
    contender: args.contender,
    clients: [],
    opened: 0,
    reconnects: 0,
    errors: new Set(),
    mode: 'idle',
    running: false,
    payload: '',
    received: 0,
    sent: 0,
    outstanding: 0,
    histogram: newHistogram(),
    pacers: [],
    mark: newMark({ received: 0, sent: 0 }),
  };
  groups.set(args.group, g);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const deadline = started + args.timeoutMs;
  const openOne = () =>
    new Promise<void>((resolve) => {
      let opened = false;
      const timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
      const client = createClient(
        args.baseUrl,
        { contender: args.contender, strategy: 'fallback', compression: false, connectTimeoutMs: args.timeoutMs },
        {
          open: () => {
            if (opened) return;
            opened = true;
            g.opened++;
            clearTimeout(timer);
            resolve();
          },
          message: (data) => onReply(g, client, data),
          down: () => void g.reconnects++,
          up: () => {},
          event: (type, detail) => {
            if (type === 'error' && g.errors.size < MAX_ERRORS) g.errors.add(detail);
          },
        },
      );
      g.clients.push(client);
    });
  let next = 0;
  const lane = async () => {
    while (next < args.count && performance.now() < deadline) {
      next++;
      await openOne();
    }
  };
  const before = g.opened;
  await Promise.all(Array.from({ length: Math.max(1, args.concurrency) }, lane));
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { opened: g.opened - before, ms, cpuShare: (used.user + used.system) / 1000 / ms, errors: [...g.errors] };
}

function closeGroup(g: Group): void {
  g.running = false;
  for (const pacer of g.pacers) pacer.stop();
  g.pacers = [];
  for (const client of g.clients) client.close();
}

/** Waits until every reply is in, or `ms` passed; returns what is still outstanding. */
async function drain(g: Group, ms: number): Promise<number> {
  const until = performance.now() + ms;
  while (g.outstanding > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
  return g.outstanding;
}

// The bench process went away (crashed, killed): do not linger holding ports and connections.
process.on('disconnect', () => process.exit(0));

serve(
  { post: (m) => process.send!(m), listen: (fn) => process.on('message', fn) },
  {
    open,
    echoStart({ group: name, inFlight, payloadBytes }: { group: string; inFlight: number; payloadBytes: number }) {
      const g = group(name);
      Object.assign(g, { mode: 'echo', running: true, payload: filler(payloadBytes), outstanding: 0 });
      for (const client of g.clients)
        for (let i = 0; i < inFlight; i++) {
          g.sent++;
          g.outstanding++;
          client.send(g.payload);
        }
    },
    /** `rate`: msg/s over the whole group (paced) or per client (stream). */
    pacedStart({
      group: name,
      rate,
      payloadBytes,
      mode,
    }: {
      group: string;
      rate: number;
      payloadBytes: number;
      mode: 'paced' | 'stream';
    }) {
      const g = group(name);
      Object.assign(g, { mode, running: true, outstanding: 0 });
      const perClient = mode === 'paced' ? rate / g.clients.length : rate;
      g.pacers = g.clients.map((client) => {
        const pacer = new Pacer(perClient, (plannedAt) => {
          g.sent++;
          if (mode === 'paced') g.outstanding++;
          client.send(mode === 'paced' ? stamped(plannedAt, payloadBytes) : filler(payloadBytes));
        });
        // Each client at its own phase, so the group's sends spread over the interval.
        pacer.start(undefined, Math.random() * (1000 / perClient));
        return pacer;
      });
    },
    async stop({ group: name, drainMs = 5000 }: { group: string; drainMs?: number }) {
      const g = group(name);
      g.running = false;
      for (const pacer of g.pacers) pacer.stop();
      g.pacers = [];
      const left = await drain(g, drainMs);
      g.mode = 'idle';
      return { outstanding: left, reconnects: g.reconnects };
    },
    mark({ group: name }: { group: string }) {
      const g = group(name);
      g.mark = newMark(g);
      g.histogram.reset();
    },
    read({ group: name }: { group: string }): GeneratorWindow {
      const g = group(name);
      const wallMs = performance.now() - g.mark.at;
      const cpu = process.cpuUsage(g.mark.cpu);
      const h = g.histogram;
      return {
        received: g.received - g.mark.received,
        sent: g.sent - g.mark.sent,
        seconds: wallMs / 1000,
        cpuShare: (cpu.user + cpu.system) / 1000 / wallMs,
        loopShare: performance.eventLoopUtilization(g.mark.loop).utilization,
        latency:
          g.mode === 'paced' && h.totalCount > 0
            ? {
                count: h.totalCount,
                p50Ms: h.getValueAtPercentile(50) / 1000,
                p99Ms: h.getValueAtPercentile(99) / 1000,
                encoded: encodeHistogram(h),
              }
            : null,
      };
    },
    counts: ({ group: name }: { group: string }) => {
      const g = group(name);
      return { sent: g.sent, received: g.received, reconnects: g.reconnects, errors: [...g.errors] };
    },
    closeGroup({ group: name }: { group: string }) {
      const g = groups.get(name);
      if (g) closeGroup(g);
      groups.delete(name);
    },
    close() {
      for (const g of groups.values()) closeGroup(g);
      setTimeout(() => process.exit(0), 200);
    },
  },
);
