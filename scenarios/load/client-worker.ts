/**
 * A load-generator worker thread (Node clients): loads its contender's client library and serves
 * a client host (client-host.ts) for its share of the clients over the thread's port.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createClientHost } from './client-host.js';
import { serve } from './ipc.js';
import { loadClient } from '../peers/index.js';
import type { RunPlan } from '../plan.js';

export interface WorkerInit {
  entry: string;
  plan: RunPlan;
  indices: number[];
}

const init = workerData as WorkerInit;
const factory = await loadClient(init.plan.contender);

serve(
  { post: (m) => parentPort!.postMessage(m), listen: (fn) => parentPort!.on('message', fn) },
  createClientHost(init.plan, init.indices, factory),
);
