/** A message server in a child process (test/fixtures/memory-server.ts) whose memory a test can measure. */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MessageServerOptions } from '../../server/index.js';
import { waitFor } from './server.js';

export interface Memory {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

export interface ChildServer {
  port: number;
  url: string;
  /** Heap, external memory and RSS after three full GCs. */
  memory(): Promise<Memory>;
  /** The application sends `count` distinct strings of `bytes` to a session; resolves with how many it took. */
  send(sid: string, count: number, bytes: number): Promise<number>;
  /** The application broadcasts to every session; resolves with how many took it. */
  broadcast(data: unknown): Promise<number>;
  /** Event-loop delay (ms) since the last call. */
  delay(): Promise<{ p50: number; p99: number; max: number }>;
  sessions(): Promise<number>;
  close(): void;
}

const MiB = 1024 * 1024;
export const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;
/** What the server holds in memory: JS heap plus buffers outside it (socket write queues). */
export const held = (m: Memory) => m.heapUsed + m.external;

export async function startChildServer(options: MessageServerOptions = {}): Promise<ChildServer> {
  const child: ChildProcess = fork(
    fileURLToPath(new URL('../fixtures/memory-server.ts', import.meta.url)),
    [JSON.stringify(options)],
    { execArgv: ['--expose-gc', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const { port } = await waitFor<{ port: number }>((r) => child.once('message', r as never), 30_000, 'child port');
  let next = 0;
  const call = <T>(cmd: string, args: object = {}) => {
    const id = ++next;
    return waitFor<T>(
      (resolve) => {
        const onMessage = (m: { id?: number; result?: T }) => {
          if (m.id !== id) return;
          child.off('message', onMessage);
          resolve(m.result as T);
        };
        child.on('message', onMessage);
        child.send({ id, cmd, ...args });
      },
      30_000,
      cmd,
    );
  };
  return {
    port,
    url: `http://127.0.0.1:${port}/rt`,
    memory: () => call<Memory>('memory'),
    send: (sid, count, bytes) => call<number>('send', { sid, count, bytes }),
    broadcast: (data) => call<number>('broadcast', { data }),
    delay: () => call<{ p50: number; p99: number; max: number }>('delay'),
    sessions: () => call<number>('sessions'),
    close: () => void child.kill('SIGKILL'),
  };
}
