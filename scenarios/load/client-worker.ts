/**
 * A load-generator process (Node clients): told its share of the clients ('init'), loads its
 * contender's client library and serves a client host (client-host.ts) for them over its IPC
 * channel, plus 'cpu' (this process's CPU time, for the load generator's busy share).
 */
import { createClientHost } from './client-host.js';
import { serve, type Handlers } from './ipc.js';
import { loadClient } from '../peers/index.js';
import type { RunPlan } from '../plan.js';

export interface WorkerInit {
  plan: RunPlan;
  indices: number[];
}

// Like the server process: the runner stops it; it cannot outlive the runner.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('disconnect', () => process.exit(0));
if (!process.connected) process.exit(0);

const handlers: Handlers = {
  async init({ plan, indices }: WorkerInit) {
    const factory = await loadClient(plan.contender);
    Object.assign(handlers, createClientHost(plan, indices, factory));
    return process.pid;
  },
  /** CPU time of this process so far (µs) and when it was read (ms). */
  cpu: () => {
    const { user, system } = process.cpuUsage();
    return { us: user + system, at: Date.now() };
  },
};

serve({ post: (m) => process.send!(m as object), listen: (fn) => process.on('message', fn) }, handlers);
