/**
 * A load-generator worker thread: runs a few LoadClients, connecting each at its ramp offset, and
 * answers the runner's RPC. Everything it measured leaves as encoded histograms and counts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DeliveryTracker } from './delivery.js';
import { LatencyRecorder } from './histograms.js';
import { serve } from './ipc.js';
import { LoadClient } from './load-client.js';
import { now } from './payload.js';
import { loadClient } from './peers/index.js';
import type { RunPlan } from './plan.js';

export interface WorkerInit {
  entry: string;
  plan: RunPlan;
  baseUrl: string;
  indices: number[];
  runStart: number;
}

/** Events kept per worker; the rest are counted by type. */
const MAX_EVENTS = 200;

const init = workerData as WorkerInit;
const recorder = new LatencyRecorder(() => init.runStart);
const delivery = new DeliveryTracker();
const events: Array<{ t: number; type: string; detail: string }> = [];
const dropped = new Map<string, number>();
const event = (type: string, detail: string) => {
  if (events.length < MAX_EVENTS) events.push({ t: now() - init.runStart, type, detail });
  else dropped.set(type, (dropped.get(type) ?? 0) + 1);
};
const clients = init.indices.map((i) => new LoadClient(i, init.plan, { recorder, delivery, event }));
const factory = await loadClient(init.plan.contender);
const timers: NodeJS.Timeout[] = [];

clients.forEach((client) => {
  const offset = init.plan.clients > 1 ? (init.plan.rampMs * client.index) / (init.plan.clients - 1) : 0;
  const connect = () => {
    try {
      client.connect(factory, init.baseUrl);
    } catch (err) {
      event('error', `client ${client.index}: ${(err as Error).message}`);
    }
  };
  if (offset <= 0) connect();
  else timers.push(setTimeout(connect, offset));
});

serve(
  { post: (m) => parentPort!.postMessage(m), listen: (fn) => parentPort!.on('message', fn) },
  {
    opened: () => clients.filter((c) => c.opened).length,
    start({ at, rate }: { at: number; rate?: number }) {
      for (const c of clients) c.start(at, rate);
    },
    setRate: (rate: number) => clients.forEach((c) => c.setRate(rate)),
    stop: () => clients.forEach((c) => c.stop()),
    stats: () => ({ received: delivery.totals().received, sent: clients.reduce((n, c) => n + c.sent, 0) }),
    perSecond: () => recorder.encode().perSecond,
    report() {
      const { latency, perSecond } = recorder.encode();
      const transports: Record<string, number> = {};
      for (const c of clients) {
        const name = c.opened && c.adapter ? c.adapter.transport() : 'never-connected';
        transports[name] = (transports[name] ?? 0) + 1;
      }
      for (const [type, n] of dropped) events.push({ t: now() - init.runStart, type, detail: `${n} more ${type} events not listed` });
      return { latency, perSecond, delivery: delivery.totals(), sent: clients.reduce((n, c) => n + c.sent, 0), transports, events };
    },
    close() {
      timers.forEach(clearTimeout);
      for (const c of clients) c.close();
    },
  },
);
