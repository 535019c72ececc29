/**
 * The bench's server process: one contender's server (scenarios/peers) running one application.
 *   idle: nothing — connections are counted and nothing of them is kept (the memory section: on V8,
 *         keeping the adapter's connection wrapper and its closures costs ~1.7 KB per connection,
 *         the harness's cost, not the contender's);
 *   echo: every message a client sends comes straight back to it;
 *   push: messages from clients are counted and dropped, and the server sends each connection
 *         its own stream at `pushRate` msg/s once `startPush` is called (the bytes section).
 * Figures it reports are of this process alone: CPU time (process.cpuUsage) over a window opened
 * by `mark`, and heap after a full GC (started with --expose-gc).
 */
import { serve } from '../scenarios/load/ipc.js';
import { Pacer } from '../scenarios/load/pacer.js';
import { loadServer, type ServerAdapter, type ServerConn } from '../scenarios/peers/index.js';
import type { Contender } from '../scenarios/results.js';
import { filler } from './payload.js';

export interface ServerInit {
  contender: Contender;
  app: 'idle' | 'echo' | 'push';
  pushRate?: number;
  payloadBytes: number;
  /** On this Redis: our cluster backplane, Socket.IO's Redis adapter. */
  redisUrl?: string;
}

export interface ServerWindow {
  /** Messages received from clients since `mark`. */
  received: number;
  cpuMs: number;
  wallMs: number;
}

export interface ServerMemory {
  heapUsed: number;
  external: number;
  /** Connections accepted so far (all apps; the idle app cannot tell when one closes). */
  accepted: number;
}

let server: ServerAdapter | null = null;
let init: ServerInit;
const connections = new Set<ServerConn>();
const pacers = new Map<ServerConn, Pacer>();
let accepted = 0;
let received = 0;
let pushed = 0;
let mark = { received: 0, cpu: process.cpuUsage(), at: performance.now() };

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('the server host needs --expose-gc');
  collect();
  collect();
}

function startPush(conn: ServerConn): void {
  const payload = filler(init.payloadBytes);
  const pacer = new Pacer(init.pushRate ?? 1, () => {
    pushed++;
    conn.send(payload);
  });
  pacers.set(conn, pacer);
  pacer.start(undefined, Math.random() * (1000 / (init.pushRate ?? 1)));
}

// The bench process went away (crashed, killed): do not linger holding ports and connections.
process.on('disconnect', () => process.exit(0));

serve(
  { post: (m) => process.send!(m), listen: (fn) => process.on('message', fn) },
  {
    async init(args: ServerInit) {
      init = args;
      server = await loadServer(args.contender, {
        compression: false,
        maxMessageBytes: 1024 * 1024,
        ...(args.redisUrl ? { cluster: { redisUrl: args.redisUrl, node: `bench-${process.pid}` } } : {}),
      });
      server.onConnection((conn) => {
        accepted++;
        if (init.app === 'idle') return;
        connections.add(conn);
        conn.onMessage((data) => {
          received++;
          if (init.app === 'echo') conn.send(data);
        });
        conn.onClose(() => {
          connections.delete(conn);
          pacers.get(conn)?.stop();
          pacers.delete(conn);
        });
      });
      return { port: await server.listen(), pid: process.pid };
    },
    mark() {
      mark = { received, cpu: process.cpuUsage(), at: performance.now() };
    },
    read(): ServerWindow {
      const cpu = process.cpuUsage(mark.cpu);
      return {
        received: received - mark.received,
        cpuMs: (cpu.user + cpu.system) / 1000,
        wallMs: performance.now() - mark.at,
      };
    },
    /** Heap and off-heap (Buffers, ArrayBuffers) bytes after a full GC. */
    memory(): ServerMemory {
      gc();
      const m = process.memoryUsage();
      return { heapUsed: m.heapUsed, external: m.external, accepted };
    },
    /** Open connections (echo and push apps). */
    connections: () => connections.size,
    accepted: () => accepted,
    startPush() {
      for (const conn of connections) if (!pacers.has(conn)) startPush(conn);
    },
    stopPush() {
      for (const pacer of pacers.values()) pacer.stop();
      pacers.clear();
    },
    /** Cumulative application messages: received from clients, sent by the push streams. */
    counts: () => ({ received, sent: pushed }),
    async close() {
      for (const pacer of pacers.values()) pacer.stop();
      await Promise.race([server?.close(), new Promise((r) => setTimeout(r, 3000))]);
      setImmediate(() => process.exit(0));
    },
  },
);
