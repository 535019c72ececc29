/**
 * The balancer in front of a cluster: a real HAProxy (the one users deploy), started with a
 * generated config on a free port in a temp dir, stopped by `stop()`.
 *
 *  - 'round-robin': every request (each long-poll, each POST, each WebSocket) goes to the next node,
 *    no affinity at all — what a session must survive without sticky sessions;
 *  - 'sticky': cookie affinity (HAProxy inserts SERVERID; clients that keep cookies, like Socket.IO's
 *    with withCredentials, stay on their node) — what Socket.IO's docs prescribe. Our Node client
 *    keeps no cookies: for it, sticky is round-robin.
 *
 * Health: a TCP check every 250 ms; a connection to a dead node is retried on another (redispatch).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BalancerMode } from '../define.js';
import { freePort, waitForPort } from './ports.js';

export interface Balancer {
  port: number;
  mode: BalancerMode;
  version: string;
  stop(): Promise<void>;
}

/** A path prefix the balancer sends to one port instead (the demo: its lanes API, "kill this node"). */
export interface Route {
  prefix: string;
  port: number;
}

export function haproxyConfig(port: number, backends: number[], mode: BalancerMode, routes: Route[] = []): string {
  const sticky = mode === 'sticky';
  return [
    'global',
    '  maxconn 4000',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 120s',
    '  timeout server 120s',
    '  timeout tunnel 1h',
    '  timeout http-keep-alive 60s',
    '  retries 3',
    '  option redispatch',
    'frontend front',
    `  bind 127.0.0.1:${port}`,
    ...routes.map((r, i) => `  use_backend route${i} if { path_beg ${r.prefix} }`),
    '  default_backend nodes',
    ...routes.flatMap((r, i) => [`backend route${i}`, `  server only 127.0.0.1:${r.port}`]),
    'backend nodes',
    '  balance roundrobin',
    ...(sticky ? ['  cookie SERVERID insert indirect nocache'] : []),
    ...backends.map(
      (p, i) => `  server node${i} 127.0.0.1:${p} check inter 250 fall 1 rise 2${sticky ? ` cookie node${i}` : ''}`,
    ),
    '',
  ].join('\n');
}

export async function startBalancer(
  backends: number[],
  mode: BalancerMode = 'round-robin',
  options: { routes?: Route[]; port?: number; binary?: string } = {},
): Promise<Balancer> {
  const binary = options.binary ?? process.env.HAPROXY ?? 'haproxy';
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-haproxy-'));
  const port = options.port ?? (await freePort());
  const config = path.join(dir, 'haproxy.cfg');
  writeFileSync(config, haproxyConfig(port, backends, mode, options.routes));
  const child: ChildProcess = spawn(binary, ['-f', config, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e) =>
      reject(new Error(`cannot start ${binary} (${e.message}); install it: apt-get install haproxy`)),
    );
    child.once('exit', (code) => reject(new Error(`${binary} exited (${code}): ${output.slice(-500)}`)));
  });
  failed.catch(() => {});
  await Promise.race([waitForPort(port, 10_000, 'haproxy'), failed]);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    mode,
    version: haproxyVersion(binary),
    async stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function haproxyVersion(binary: string): string {
  try {
    const out = execFileSync(binary, ['-v']).toString();
    return /version ([\d.]+)/.exec(out)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export { BALANCERS, type BalancerMode } from '../define.js';
