/**
 * A real cluster for tests: a throwaway redis-server, N node processes (test/fixtures/cluster-node.ts)
 * on the Redis backplane, and HAProxy round-robin in front of them with no affinity. Everything on
 * free loopback ports; `stop()` ends all of it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Balancer, type BalancerMode, startBalancer } from '../../scenarios/cluster/balancer.js';
import { startRedis, type RedisServer } from '../../scenarios/cluster/redis.js';
import type { MessageServerOptions } from '../../server/index.js';
import { waitFor } from './server.js';

export interface ClusterNode {
  name: string;
  port: number;
  process: ChildProcess;
  /** Sessions announced by this node: sid → adopted. */
  announced: Map<string, boolean>;
  kill(): void;
}

export interface TestCluster {
  url: string;
  redis: RedisServer;
  balancer: Balancer;
  nodes: ClusterNode[];
  stop(): Promise<void>;
}

const FIXTURE = fileURLToPath(new URL('../fixtures/cluster-node.ts', import.meta.url));

export async function startNode(
  redisUrl: string,
  name: string,
  options: MessageServerOptions = {},
): Promise<ClusterNode> {
  const child = fork(FIXTURE, [redisUrl, name, JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const announced = new Map<string, boolean>();
  const port = await waitFor<number>(
    (resolve) =>
      child.on('message', (m: { type: string; port?: number; sid?: string; adopted?: boolean; message?: string }) => {
        if (m.type === 'listening') resolve(m.port!);
        if (m.type === 'connection') announced.set(m.sid!, m.adopted!);
      }),
    30_000,
    `node ${name} listening`,
  );
  return { name, port, process: child, announced, kill: () => void child.kill('SIGKILL') };
}

export async function startCluster(
  count = 3,
  options: MessageServerOptions = {},
  mode: BalancerMode = 'round-robin',
): Promise<TestCluster> {
  const redis = await startRedis();
  const nodes = await Promise.all(Array.from({ length: count }, (_, i) => startNode(redis.url, `node${i}`, options)));
  const balancer = await startBalancer(
    nodes.map((n) => n.port),
    mode,
  );
  return {
    url: `http://127.0.0.1:${balancer.port}/rt`,
    redis,
    balancer,
    nodes,
    async stop() {
      for (const node of nodes) node.kill();
      await balancer.stop();
      await redis.stop();
    },
  };
}
