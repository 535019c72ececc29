/**
 * File descriptors: how many each process of a run needs, how many it may open, and how the run is
 * spread so that no process runs out. Every TCP connection is a descriptor in each process it
 * passes through: the load generator holds the client end, a proxy process the client-facing and the
 * server-facing ends (and its listening ports), the server process the accepted end.
 *
 * The limit is per process (RLIMIT_NOFILE). Node raises its own soft limit to the hard limit at
 * start-up, and children inherit it; raising the hard limit needs privilege (root with
 * CAP_SYS_RESOURCE). Node has no setrlimit, so `raiseFdLimit` asks `prlimit --pid` to raise this
 * process's limits before the helpers are forked; where the OS refuses, `fdCheck` names the limit
 * and how many clients it allows.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { RunPlan } from '../plan.js';

export interface FdLimit {
  soft: number;
  hard: number;
}

/** Descriptors a process uses besides its connections (modules, pipes, timers, the IPC channel). */
const BASE_FDS = 200;
/** Of a process's limit, the share planned for connections: the rest is headroom. */
const USABLE_SHARE = 0.8;
/**
 * The server process (one, not ours to spread) is warned about beyond this share: connections come
 * and go (a POST's keep-alive connection, a reconnect), and with an eager ack per message 8,000 SSE
 * clients held 2.1 descriptors each at the peak where 2 were expected.
 */
const SERVER_SHARE = 0.95;

/** This process's RLIMIT_NOFILE (Linux: /proc/self/limits; elsewhere the shell's `ulimit`). */
export function readFdLimit(): FdLimit {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line ?? '').split(/\s+/).slice(3, 5).map(Number);
    if (soft && hard) return { soft, hard };
  } catch {
    // not Linux
  }
  const [soft, hard] = execFileSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((v) => (v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v)));
  return { soft: soft!, hard: hard! };
}

/**
 * Raises this process's limit to `wanted` descriptors (soft and, when needed, hard) with
 * `prlimit --pid`; helpers forked afterwards inherit it. Returns the limit now in force.
 */
export function raiseFdLimit(wanted: number): FdLimit {
  const limit = readFdLimit();
  if (limit.soft >= wanted) return limit;
  const hard = Math.max(limit.hard, wanted);
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${wanted}:${hard}`], { stdio: 'ignore' });
  } catch {
    // No prlimit, or not allowed above the hard limit: try the soft limit up to the hard one.
    if (limit.soft < limit.hard)
      try {
        execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${limit.hard}:${limit.hard}`], {
          stdio: 'ignore',
        });
      } catch {
        // left as it is; fdCheck says what that allows
      }
  }
  return readFdLimit();
}

/** Patterns where every client sends its own stream to the server. */
const CLIENT_SENDS = new Set(['upstream', 'echo', 'fanout']);

/**
 * TCP connections one client of this plan keeps open: WebSocket one; SSE and long-polling one (the
 * stream or the poll) while the client only listens — acknowledgements are lazy and ride on the
 * polls, so a POST's keep-alive connection closes when idle — and two when it sends a stream of its
 * own (the POSTs keep their connection open); the clients that start on polling and upgrade
 * (Socket.IO, `auto`) two. Measured: 10,000 SSE clients of a 1 Hz broadcast held 10,300
 * descriptors in the server process.
 */
export function connectionsPerClient(plan: Pick<RunPlan, 'contender'> & { traffic?: RunPlan['traffic'] }): number {
  const { contender, traffic } = plan;
  if (contender === 'websocket' || contender === 'raw-ws' || contender === 'socketio-websocket') return 1;
  if (contender === 'auto' || contender === 'socketio') return 2;
  // (A push or broadcast may carry an upstream rate too.)
  const sends = traffic ? CLIENT_SENDS.has(traffic.pattern) || traffic.upstreamRate !== undefined : true;
  return sends ? 2 : 1;
}

export interface ProcessLayout {
  /** Load-generator processes. */
  loadProcesses: number;
  /** Proxy processes (each takes client i when i mod shards is its index). */
  proxyShards: number;
  /** Descriptors the busiest process needs (the run asks the OS for this many). */
  neededPerProcess: number;
  /** The server process's need (one server: all of the run's connections). */
  serverNeeds: number;
}

/** Connections one process may hold with this limit, `fdsPerClient` descriptors per client. */
const clientsFitting = (limit: number, fdsPerClient: number, share = USABLE_SHARE) =>
  Math.max(1, Math.floor((limit * share - BASE_FDS) / fdsPerClient));

/**
 * How many load and proxy processes the run needs so that each stays within `limit`
 * (`minLoad`: at least this many load processes, e.g. one per core). A proxy process holds two
 * descriptors per connection plus a listening port per client.
 */
export function planProcesses(
  plan: Pick<RunPlan, 'contender' | 'clients' | 'cluster'> & { traffic?: RunPlan['traffic'] },
  limit: number,
  minLoad: number,
): ProcessLayout {
  const conns = connectionsPerClient(plan);
  const proxyFds = 2 * conns + 1;
  const loadProcesses = Math.max(minLoad, Math.ceil(plan.clients / clientsFitting(limit, conns)));
  const proxyShards = Math.ceil(plan.clients / clientsFitting(limit, proxyFds));
  const serverNeeds = BASE_FDS + Math.ceil((conns * plan.clients) / Math.max(1, plan.cluster.nodes));
  const perLoad = BASE_FDS + conns * Math.ceil(plan.clients / loadProcesses);
  const perProxy = BASE_FDS + proxyFds * Math.ceil(plan.clients / proxyShards);
  return {
    loadProcesses,
    proxyShards,
    serverNeeds,
    neededPerProcess: Math.ceil(Math.max(serverNeeds, perLoad, perProxy) / USABLE_SHARE),
  };
}

/**
 * What the limit means for the run: null when every process fits, else a message naming the limit
 * and how many clients of this kind one server process can take within it.
 */
export function fdShortfall(
  plan: Pick<RunPlan, 'contender' | 'clients' | 'cluster'> & { traffic?: RunPlan['traffic'] },
  limit: FdLimit,
  layout: ProcessLayout,
): string | null {
  if (layout.serverNeeds <= limit.soft * SERVER_SHARE) return null;
  const conns = connectionsPerClient(plan);
  const fits = clientsFitting(limit.soft, conns, SERVER_SHARE) * Math.max(1, plan.cluster.nodes);
  return (
    `file descriptors: ${plan.clients} ${plan.contender} clients keep about ${conns * plan.clients} connections ` +
    `(${conns} per client) open at the server process, which may open ${limit.soft} files ` +
    `(RLIMIT_NOFILE soft ${limit.soft}, hard ${limit.hard}; raising the hard limit needs root with ` +
    `CAP_SYS_RESOURCE, e.g. \`prlimit --nofile=N:N\` or \`ulimit -Hn N\` before the run): ` +
    `about ${fits} such clients fit`
  );
}
