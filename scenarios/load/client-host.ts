/**
 * The load generator's side of the runner's RPC: a few LoadClients, connected at their ramp
 * offsets once the runner says where to, answering the runner's calls (connect, start, setRate,
 * stop, stats, histogram, perSecond, report, close). Everything it measured leaves as encoded
 * histograms and counts.
 *
 * A worker thread serves it over its port (client-worker.ts, Node clients); the runner's own thread
 * serves it in-process for browser clients (engine/browser/worker.ts), where the clients are pages.
 */
import { sumReceive } from './delivery.js';
import { LatencyRecorder, encodeOne, type HistogramSnapshot, type LatencyMetric } from './histograms.js';
import type { Handlers } from './ipc.js';
import { LoadClient } from './load-client.js';
import { WELCOME } from './server-app.js';
import { now } from './payload.js';
import type { ClientFactory, ClientOptions } from '../peers/adapter.js';
import type { RunPlan } from '../plan.js';
import { NEVER_CONNECTED } from '../results.js';

/** How many clients each message of client `index` is for: its room (fanout), itself (echo), none. */
function recipients(plan: RunPlan, index: number): number {
  const { pattern, rooms } = plan.traffic;
  if (pattern === 'echo') return 1;
  if (pattern !== 'fanout') return 0;
  return Math.floor(plan.clients / rooms) + (index % rooms < plan.clients % rooms ? 1 : 0);
}

/** Events kept per host; the rest are counted by type. */
const MAX_EVENTS = 200;

export function createClientHost(plan: RunPlan, indices: number[], factory: ClientFactory): Handlers {
  let runStart = now();
  let measureFrom = 0;
  const recorder = new LatencyRecorder(() => runStart);
  const events: Array<{ t: number; type: string; detail: string }> = [];
  const dropped = new Map<string, number>();
  const event = (type: string, detail: string) => {
    if (events.length < MAX_EVENTS) events.push({ t: now() - runStart, type, detail });
    else dropped.set(type, (dropped.get(type) ?? 0) + 1);
  };
  const clients = indices.map((i) => new LoadClient(i, plan, { recorder, event, measureFrom: () => measureFrom }));
  const timers: NodeJS.Timeout[] = [];
  const received = () => sumReceive(clients.map((c) => c.delivery.totals()));
  const sent = () => clients.reduce((n, c) => n + c.sent, 0);

  /** Connects every client at its ramp offset (client i at rampMs · i / (clients − 1)), each to its own URL. */
  function connectAll(baseUrls: readonly string[], tls?: ClientOptions['tls']): void {
    for (const client of clients) {
      const offset = plan.clients > 1 ? (plan.rampMs * client.index) / (plan.clients - 1) : 0;
      const connect = () => {
        try {
          client.connect(factory, baseUrls[client.index] ?? baseUrls[0]!, tls);
        } catch (err) {
          event('error', `client ${client.index}: ${(err as Error).message}`);
        }
      };
      if (offset <= 0) connect();
      else timers.push(setTimeout(connect, offset));
    }
  }

  return {
    /**
     * Before anything is measured: one throwaway client connects straight to the server (no proxy,
     * not metered), waits for the server's welcome and closes. A process's first connection pays for
     * loading and compiling the client library (Node's first fetch() alone costs ~50 ms; over TLS, the
     * TLS stack too); the measured clients should not.
     */
    async warmUp({ url, timeoutMs, tls }: { url: string; timeoutMs: number; tls?: ClientOptions['tls'] }) {
      let adapter: ReturnType<ClientFactory> | null = null;
      const welcomed = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        const ignore = () => {};
        adapter = factory(
          url,
          {
            contender: plan.contender,
            strategy: plan.strategy,
            compression: plan.compression,
            ...(tls ? { tls } : {}),
          },
          {
            open: ignore,
            message: (data) => data === WELCOME && (clearTimeout(timer), resolve(true)),
            down: ignore,
            up: ignore,
            event: ignore,
          },
        );
      });
      const ok = await welcomed;
      (adapter as ReturnType<ClientFactory> | null)?.close();
      return ok;
    },
    /** The host boots while the server starts; this is when its clients may go, client i to baseUrls[i]. */
    connect({ baseUrls, at, tls }: { baseUrls: string[]; at: number; tls?: ClientOptions['tls'] }) {
      runStart = at;
      connectAll(baseUrls, tls);
    },
    opened: () => clients.filter((c) => c.opened).length,
    /** `measureFrom`: the end of the warm-up (see LoadClient). */
    start({ at, rate, measureFrom: from }: { at: number; rate?: number; measureFrom?: number }) {
      measureFrom = from ?? at;
      for (const c of clients) c.start(at, rate);
    },
    setRate: (rate: number) => clients.forEach((c) => c.setRate(rate)),
    stop: () => clients.forEach((c) => c.stop()),
    stats: () => ({ received: received().received, sent: sent() }),
    histogram: (metric: LatencyMetric): HistogramSnapshot => ({ encoded: encodeOne(recorder, metric), sent: sent() }),
    perSecond: () => recorder.encode().perSecond,
    report() {
      for (const c of clients) {
        const gap = c.closeOpenGap();
        if (gap !== null)
          event(
            'not-reconnected',
            `client ${c.index} still down after ${Math.round(gap)} ms (counted in reconnect gaps as a lower bound)`,
          );
      }
      const { latency, perSecond } = recorder.encode();
      const transports: Record<string, number> = {};
      for (const c of clients) {
        const name = c.opened && c.adapter ? c.adapter.transport() : NEVER_CONNECTED;
        transports[name] = (transports[name] ?? 0) + 1;
      }
      for (const [type, n] of dropped)
        events.push({ t: now() - runStart, type, detail: `${n} more ${type} events not listed` });
      dropped.clear();
      return {
        latency,
        perSecond,
        delivery: received(),
        own: sumReceive(clients.map((c) => c.delivery.stream(c.index + 1))),
        addressed: clients.reduce((n, c) => n + c.sent * recipients(plan, c.index), 0),
        sent: sent(),
        transports,
        events,
      };
    },
    close() {
      timers.forEach(clearTimeout);
      for (const c of clients) c.close();
    },
  };
}
