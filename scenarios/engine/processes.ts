/**
 * Starting the helpers the runner drives, each a process of its own (child_process.fork): the
 * server (so its CPU and memory are measured alone), the load generators (so thousands of clients
 * spread their sockets and CPU over several processes, each with its own descriptor limit) and the
 * proxy (proxy-side.ts). All start in boot.mjs, which imports their entry: the compiled .js next to
 * this file in the package, the .ts source (through tsx) in a clone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Caller, type Callable } from '../load/ipc.js';
import type { RunPlan } from '../plan.js';
import type { WorkerInit } from '../load/client-worker.js';
import type { ClientOptions } from '../peers/adapter.js';
import type { ClusterNodeInit, ServerTlsInit } from '../load/server-host.js';

export const BOOT = fileURLToPath(new URL('./boot.mjs', import.meta.url));
/** This module's own extension: `.js` compiled (dist/), `.ts` from source. */
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
export const entry = (name: string) => new URL(`../load/${name}${EXT}`, import.meta.url);

export interface ServerProcess {
  caller: Callable;
  port: number;
  pid: number;
  stop(): Promise<void>;
  /** SIGKILL, no goodbye (a cluster's kill-node fault). */
  kill(): void;
}

/** `node`: one node of a cluster; `tls`: the run's throwaway key and certificate, and where the server appends its TLS secrets. */
export async function startServerProcess(
  plan: RunPlan,
  node?: ClusterNodeInit,
  tls?: ServerTlsInit,
): Promise<ServerProcess> {
  const child: ChildProcess = fork(BOOT, [fileURLToPath(entry('server-host'))], {
    execArgv: ['--expose-gc'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Its own process group: a terminal's Ctrl-C (SIGINT to the foreground group) reaches the runner,
    // which aborts and still collects this process's report; server-host.ts exits when the runner does.
    detached: true,
  });
  const caller = new Caller({ post: (m) => child.send(m as object), listen: (fn) => child.on('message', fn) });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => caller.failAll(new Error(`server process exited (${code})`)));
  // A call after the process died (ERR_IPC_CHANNEL_CLOSED) fails that call, not the runner.
  child.on('error', (err) => caller.failAll(err));
  const { port, pid } = await caller.call<{ port: number; pid: number }>('init', { plan, node, tls });
  return {
    caller,
    port,
    pid,
    kill: () => void child.kill('SIGKILL'),
    async stop() {
      await caller.call('close', undefined, 5000).catch(() => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * A load generator the runner drives: a process with Node clients (client-worker.ts), or
 * (browser/worker.ts) the runner's own thread driving browser pages. Same RPC either way (client-host.ts).
 */
export interface ClientWorker {
  caller: Callable;
  indices: number[];
  /**
   * Starts measuring the load generator's CPU; the function it returns gives the busy share since
   * then, of one core (0–1): the busiest thread or process, so near 1 means saturated.
   */
  markCpu(): () => Promise<number>;
  terminate(): Promise<void>;
}

/**
 * Spreads `plan.clients` over `count` load-generator processes (client i goes to process i mod
 * count). They boot and load their client library; `connectWorkers` sends them on their way.
 */
export function startWorkers(plan: RunPlan, count: number): ClientWorker[] {
  const workers: ClientWorker[] = [];
  for (let w = 0; w < count; w++) {
    const indices = Array.from({ length: plan.clients }, (_, i) => i).filter((i) => i % count === w);
    if (indices.length === 0) continue;
    const child = fork(BOOT, [fileURLToPath(entry('client-worker'))], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Its own process group, like the server: Ctrl-C reaches the runner, which still collects its report.
      detached: true,
    });
    const caller = new Caller({ post: (m) => child.send(m as object), listen: (fn) => child.on('message', fn) });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code) => caller.failAll(new Error(`load process exited (${code})`)));
    child.on('error', (err) => caller.failAll(err));
    const init: WorkerInit = { plan, indices };
    const ready = caller.call('init', init, 60_000);
    // Every later call waits for the init (its failure fails them).
    const call: Callable['call'] = (method, args, timeoutMs) => ready.then(() => caller.call(method, args, timeoutMs));
    workers.push({
      caller: { call },
      indices,
      markCpu() {
        const from = call<CpuReading>('cpu');
        return async () => busyShare([await from], [await call<CpuReading>('cpu')]);
      },
      async terminate() {
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        if (child.connected) child.disconnect();
        await exited;
        clearTimeout(timer);
      },
    });
  }
  return workers;
}

/** Client i connects to baseUrls[i] (its own port of a proxy process: its own link). */
export async function connectWorkers(
  workers: ClientWorker[],
  baseUrls: string[],
  runStart: number,
  tls?: ClientOptions['tls'],
): Promise<void> {
  await callAll(workers, 'connect', { baseUrls, at: runStart, tls }, 60_000);
}

export async function stopWorkers(workers: ClientWorker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.caller.call('close', undefined, 3000).catch(() => {})));
  // Give clients a moment to send their close frames, then end the processes.
  await new Promise((r) => setTimeout(r, 100));
  await Promise.all(workers.map((w) => w.terminate()));
}

/** A helper process's CPU time so far (µs) and when it was read (Date.now()). */
export interface CpuReading {
  us: number;
  at: number;
}

/** CPU time between two readings of the same processes (summed) ÷ the wall time, of one core (1 = 100 %). */
export function busyShare(from: CpuReading[], to: CpuReading[]): number {
  const busyUs = to.reduce((n, r, i) => n + r.us - from[i]!.us, 0);
  const wallMs = Math.max(1, (to[0]?.at ?? 0) - (from[0]?.at ?? 0));
  return busyUs / 1000 / wallMs;
}

/** Calls the same method on every worker and returns their answers. */
export function callAll<T>(workers: ClientWorker[], method: string, args?: unknown, timeoutMs?: number): Promise<T[]> {
  return Promise.all(workers.map((w) => w.caller.call<T>(method, args, timeoutMs)));
}
