/**
 * The demo on a cluster (`npm run demo:cluster`): a throwaway Redis, 3 demo servers on the Redis
 * backplane (demo/serve.ts with `cluster`), and HAProxy round-robin in front of them with no
 * affinity — the page, its API and every request of every session go to the next node. Each tab
 * shows the node serving it and a "Kill this node" button (SIGKILL); the tab resumes on another node
 * with nothing lost. A killed node is started again 3 s later.
 *
 * This process keeps the lanes (the per-tab network proxies, demo/lanes.ts): they forward to the
 * balancer, and they must outlive any node. HAProxy sends /api/lanes here and /api/nodes/<name>/
 * to that node.
 *
 *   npm run demo:cluster           http://localhost:3000   (PORT / --port as for npm start)
 */
import { type ChildProcess, fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { startBalancer } from '../scenarios/cluster/balancer.js';
import { freePort, waitForPort } from '../scenarios/cluster/ports.js';
import { startRedis } from '../scenarios/cluster/redis.js';
import { createLanes } from './lanes.js';
import { laneRoutes, portFromArgs, startDemo } from './serve.js';

const NODES = 3;

/** A child: `node <redisUrl> <name> <port> <publicPort> <ticker>` runs one demo node. */
if (process.argv[2] === 'node') {
  const [redisUrl, node, port, publicPort, ticker] = process.argv.slice(3);
  await startDemo({
    port: Number(port),
    cluster: { redisUrl: redisUrl!, node: node!, ticker: ticker === '1', publicPort: Number(publicPort) },
  });
  process.send?.('ready');
  process.on('disconnect', () => process.exit(0));
} else {
  const publicPort = portFromArgs(process.argv.slice(2));
  const redis = await startRedis();
  const ports = await Promise.all(Array.from({ length: NODES }, () => freePort()));
  const lanes = createLanes(() => ({ host: '127.0.0.1', port: publicPort }));
  const app = express();
  laneRoutes(app, lanes);
  const laneServer = http.createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => laneServer.once('listening', resolve));
  const lanePort = (laneServer.address() as AddressInfo).port;

  const children: Array<ChildProcess | null> = [];
  let stopping = false;
  const start = (i: number): Promise<void> => {
    const child = fork(
      fileURLToPath(import.meta.url),
      ['node', redis.url, `node${i}`, String(ports[i]), String(publicPort), i === 0 ? '1' : '0'],
      { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    children[i] = child;
    child.once('exit', (code, signal) => {
      children[i] = null;
      if (stopping) return;
      console.log(`node${i} died (${signal ?? code}); starting it again in 3 s`);
      setTimeout(() => void start(i), 3000);
    });
    return new Promise((resolve) => child.once('message', () => resolve()));
  };
  await Promise.all(ports.map((_, i) => start(i)));
  await Promise.all(ports.map((p) => waitForPort(p, 30_000, 'demo node')));
  const balancer = await startBalancer(ports, 'round-robin', {
    port: publicPort,
    routes: [
      { prefix: '/api/lanes', port: lanePort },
      ...ports.map((port, i) => ({ prefix: `/api/nodes/node${i}/`, port })),
    ],
  });
  console.log(
    `transport-lab demo on a cluster: http://localhost:${publicPort}  (${NODES} nodes on ${redis.url}, HAProxy round-robin; Ctrl-C to stop)`,
  );
  const stop = async () => {
    stopping = true;
    for (const child of children) child?.kill('SIGKILL');
    await balancer.stop();
    await lanes.closeAll();
    laneServer.close();
    await redis.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
