/**
 * The page that hosts browser scenario clients (driven by clients.ts). It runs the
 * scenario's own client adapters (scenarios/peers/*.client.ts) on the browser's WebSocket,
 * EventSource and fetch.
 *
 * Node → page: `__lab.run(commands)`, commands in the order Node issued them (open, send, close).
 * Page → Node: the `__labEvents` binding, events batched per task, each stamped with the page's
 * receive time on the page's clock (performance.timeOrigin + performance.now()).
 *
 * Clocks: Node tells the page its estimated offset (page clock − Node clock). A payload the load
 * generator made is re-stamped with the moment this page hands it to the transport, converted to
 * Node's clock, so client→server latency starts here, not in Node before the hop over CDP.
 */
import type { Family } from '../../contenders.js';
import type { ClientAdapter, ClientFactory, ClientOptions } from '../../peers/adapter.js';
import { createOurClient } from '../../peers/ours.client.js';
import { createSocketIoClient } from '../../peers/socketio.client.js';
import { withSentTime, type AppData } from '../../load/payload.js';

export type HarnessFamily = Exclude<Family, 'raw-ws'>;
/** [client id, event name, arguments, page time, transport now] */
export type HarnessEvent = [number, string, unknown[], number, string];
export type HarnessCommand =
  ['open', number, HarnessFamily, string, ClientOptions] | ['send', number, AppData] | ['close', number];

export interface Harness {
  /** Runs commands in order. */
  run(commands: HarnessCommand[]): void;
  /** Page clock − Node clock, ms (estimated by Node). */
  setClockOffset(ms: number): void;
  now(): number;
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
let clockOffset = 0;
let queue: HarnessEvent[] = [];

function relay(id: number, name: string, args: unknown[]): void {
  // A microtask, not a timer: timers of a page in the background are throttled.
  if (queue.length === 0) queueMicrotask(flush);
  queue.push([id, name, args, now(), clients.get(id)?.transport() ?? 'none']);
}

function flush(): void {
  const batch = queue;
  queue = [];
  void window.__labEvents(batch);
}

function open(id: number, family: HarnessFamily, baseUrl: string, options: ClientOptions): void {
  const on =
    (name: string) =>
    (...args: unknown[]) =>
      relay(id, name, args);
  try {
    const adapter = FACTORIES[family](baseUrl, options, {
      open: on('open'),
      message: on('message'),
      down: on('down'),
      up: on('up'),
      event: on('event'),
    });
    clients.set(id, adapter);
  } catch (err) {
    relay(id, 'event', ['error', `cannot open: ${(err as Error).message}`]);
  }
}

window.__lab = {
  run(commands) {
    for (const command of commands) {
      if (command[0] === 'open') open(command[1], command[2], command[3], command[4]);
      else if (command[0] === 'send') clients.get(command[1])?.send(withSentTime(command[2], now() - clockOffset));
      else {
        clients.get(command[1])?.close();
        clients.delete(command[1]);
      }
    }
  },
  setClockOffset(ms) {
    clockOffset = ms;
  },
  now,
};
document.documentElement.dataset.ready = 'true';
