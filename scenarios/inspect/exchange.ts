/**
 * What `transport-lab inspect` runs, with the inspector on the proxy's client-facing sockets:
 *
 *  - `inspectExchange`: a short exchange on one contender — its server (scenarios/peers/), one of its
 *    clients through a proxy, three echoed messages (text, JSON, bytes), then a clean close;
 *  - `inspectScenario`: a scenario run (scenarios/engine/runner.ts) on one contender, stopped once
 *    `records` records have been decoded.
 */
import { type ConnectionTap, createProxy } from '../network/proxy.js';
import { teeTap } from '../network/tee.js';
import { expandScenario } from '../plan.js';
import { CONTENDER_INFO } from '../contenders.js';
import { runPlan } from '../engine/runner.js';
import { loadClient, loadServer, type AppData, type ClientAdapter } from '../peers/index.js';
import type { Scenario } from '../define.js';
import type { Contender, RunResult } from '../results.js';
import { sleep } from '../engine/sleep.js';
import { createInspector } from './inspector.js';
import type { InspectRecord } from './record.js';

export interface InspectOptions {
  contender: Contender;
  network?: string;
  middlebox?: string | null;
  /** Stop after this many records (scenario runs; exchanges stop when they are done). */
  records?: number;
  onRecord: (record: InspectRecord) => void;
  /** Also sees every connection's bytes (tests put the wire meter here). */
  tap?: (connectionId: number) => ConnectionTap;
}

/** The messages an exchange sends, each echoed back by the server. */
export const EXCHANGE: AppData[] = ['hello', { type: 'chat', text: 'hi' }, new Uint8Array([0, 1, 2, 3, 0xfe, 0xff])];

export async function inspectExchange(options: InspectOptions): Promise<void> {
  const limit = options.records ?? Infinity;
  let lastByteAt = Date.now();
  const seen = () => void (lastByteAt = Date.now());
  const inspector = createInspector({
    dialect: CONTENDER_INFO[options.contender].dialect,
    onRecord: (r) => void (r.id <= limit && options.onRecord(r)),
  });
  const server = await loadServer(options.contender, { compression: false, maxMessageBytes: 1024 * 1024 });
  server.onConnection((conn) => conn.onMessage((data) => conn.send(data)));
  const port = await server.listen();
  const proxy = await createProxy({
    target: { host: '127.0.0.1', port },
    network: options.network,
    middlebox: options.middlebox,
    tap: (id) => teeTap(inspector.tap(id), options.tap?.(id), { upstream: seen, downstream: seen, close() {} }),
  });
  let client: ClientAdapter | null = null;
  try {
    let echoes = 0;
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const factory = await loadClient(options.contender);
    client = factory(
      `http://127.0.0.1:${proxy.port}`,
      { contender: options.contender, strategy: 'fallback', compression: false },
      { open: () => opened(), message: () => void echoes++, down() {}, up() {}, event() {} },
    );
    await withTimeout(open, 10_000, 'the client did not connect');
    for (const message of EXCHANGE) client.send(message);
    await waitUntil(() => echoes >= EXCHANGE.length, 10_000, 'the echoes did not all come back');
    client.close();
    client = null;
    // Let the close handshakes cross, then the server closes what is left (keep-alive connections).
    await waitUntil(() => Date.now() - lastByteAt > 300, 5_000).catch(() => {});
  } finally {
    client?.close();
    await server.close();
    await waitUntil(() => proxy.connections().length === 0, 3_000).catch(() => {});
    await proxy.close();
  }
}

export async function inspectScenario(
  scenario: Scenario,
  options: InspectOptions & { clients?: number; durationMs?: number },
) {
  const limit = options.records ?? 40;
  const abort = new AbortController();
  const inspector = createInspector({
    dialect: CONTENDER_INFO[options.contender].dialect,
    onRecord: (r) => {
      if (r.id > limit) return;
      options.onRecord(r);
      if (r.id === limit) {
        inspector.stop();
        abort.abort();
      }
    },
  });
  const [plan] = expandScenario(scenario, {
    contenders: [options.contender],
    ...(options.network ? { networks: [options.network] } : {}),
    ...(options.middlebox !== undefined ? { middleboxes: [options.middlebox] } : {}),
    clients: options.clients ?? 1,
    durationMs: options.durationMs ?? 5_000,
  });
  if (!plan) throw new Error(`scenario ${scenario.name} has no run for ${options.contender}`);
  const result: RunResult = await runPlan(plan, { signal: abort.signal, tap: inspector.tap });
  return { result, recorded: Math.min(limit, inspector.count) };
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
