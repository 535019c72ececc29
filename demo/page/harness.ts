/**
 * The page that hosts browser scenario clients (driven by demo/browser-clients.ts). It runs the
 * scenario's own client adapters (scenarios/peers/*.client.ts) on the browser's WebSocket,
 * EventSource and fetch, and relays their events to Node through the `__labEvents` binding,
 * batched per task, each stamped with the page's receive time on the same clock as the scenario
 * payload stamps (performance.timeOrigin + performance.now()).
 */
import type { ClientAdapter, ClientFactory, ClientOptions } from '../../scenarios/peers/adapter.js';
import { createOurClient } from '../../scenarios/peers/ours.client.js';
import { createSocketIoClient } from '../../scenarios/peers/socketio.client.js';

export type HarnessFamily = 'ours' | 'socketio';
/** [client id, event name, arguments, page time, transport now] */
export type HarnessEvent = [number, string, unknown[], number, string];

export interface Harness {
  open(id: number, family: HarnessFamily, baseUrl: string, options: ClientOptions): void;
  send(id: number, data: unknown): void;
  close(id: number): void;
}

declare global {
  interface Window {
    __lab: Harness;
    __labEvents(events: HarnessEvent[]): Promise<void>;
  }
}

const FACTORIES: Record<HarnessFamily, ClientFactory> = { ours: createOurClient, socketio: createSocketIoClient };
const clients = new Map<number, ClientAdapter>();
const now = () => performance.timeOrigin + performance.now();
let queue: HarnessEvent[] = [];

function relay(id: number, name: string, args: unknown[]): void {
  if (queue.length === 0) setTimeout(flush, 0);
  queue.push([id, name, args, now(), clients.get(id)?.transport() ?? 'none']);
}

function flush(): void {
  const batch = queue;
  queue = [];
  void window.__labEvents(batch);
}

window.__lab = {
  open(id, family, baseUrl, options) {
    const on = (name: string) => (...args: unknown[]) => relay(id, name, args);
    const adapter = FACTORIES[family](baseUrl, options, {
      open: on('open'),
      message: on('message'),
      down: on('down'),
      up: on('up'),
      event: on('event'),
    });
    clients.set(id, adapter);
  },
  send: (id, data) => clients.get(id)?.send(data as Parameters<ClientAdapter['send']>[0]),
  close(id) {
    clients.get(id)?.close();
    clients.delete(id);
  },
};
document.documentElement.dataset.ready = 'true';
