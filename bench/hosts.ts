/**
 * The bench's helper processes: a server host (one contender's server) and a load generator (the
 * clients), each forked with its own event loop and CPU, so process.cpuUsage() in the server host
 * is the server's alone and the generator's share can be read beside every figure. Both load
 * TypeScript through tsx and run with --expose-gc (heap figures are taken after a full GC).
 * BENCH_PROFILE=<dir> also writes V8 CPU profiles of each (`--cpu-prof`, one per thread) into a
 * directory per host under <dir> (`server-host.<bench pid>.<n>`): the server under the bench's load.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Caller } from '../scenarios/load/ipc.js';

export interface Host {
  readonly pid: number;
  call<T = unknown>(method: string, args?: unknown, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

const TSX = import.meta.resolve('tsx');

let started = 0;

function profile(kind: string): string[] {
  const dir = process.env.BENCH_PROFILE;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}/${kind}.${process.pid}.${++started}`] : [];
}

export function startHost(kind: 'server-host' | 'generator-host'): Host {
  const child = fork(fileURLToPath(new URL(`./${kind}.ts`, import.meta.url)), [], {
    execArgv: ['--import', TSX, '--expose-gc', ...profile(kind)],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const caller = new Caller({ post: (m) => child.send(m as object), listen: (fn) => child.on('message', fn) });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => caller.failAll(new Error(`${kind} exited (${code ?? signal})`)));
  return {
    pid: child.pid!,
    call: (method, args, timeoutMs) => caller.call(method, args, timeoutMs),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await caller.call('close', undefined, 10_000).catch(() => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
