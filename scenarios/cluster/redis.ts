/**
 * A throwaway redis-server for a cluster run or a test: a free port on 127.0.0.1, no persistence, its
 * own temp dir, stopped (and the dir removed) by `stop()`. Never the system service.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports.js';

export interface RedisServer {
  url: string;
  port: number;
  version: string;
  /** Calls per command since it started (INFO commandstats): what the backplane asked of it. */
  commandCalls(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export async function startRedis(binary = process.env.REDIS_SERVER ?? 'redis-server'): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e) =>
      reject(new Error(`cannot start ${binary} (${e.message}); install it: apt-get install redis-server`)),
    );
    child.once('exit', (code) => reject(new Error(`${binary} exited (${code}): ${output.slice(-500)}`)));
  });
  failed.catch(() => {});
  await Promise.race([waitForPort(port, 10_000, 'redis-server'), failed]);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    version: /v=([\d.]+)/.exec(output)?.[1] ?? /Redis version=([\d.]+)/.exec(output)?.[1] ?? 'unknown',
    async commandCalls() {
      const { Redis } = await import('ioredis');
      const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
      client.on('error', () => {});
      try {
        await client.connect();
        const info = await client.info('commandstats');
        const calls: Record<string, number> = {};
        for (const [, name, n] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[name!] = Number(n);
        return calls;
      } finally {
        client.disconnect();
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
