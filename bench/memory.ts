/**
 * Idle memory per connection. For each contender, a fresh server process (--expose-gc); the
 * clients live in a load-generator process of their own, so nothing of theirs is on the server's
 * heap, and the server runs the `idle` application, which keeps nothing per connection (see
 * server-host.ts). A few connections are opened and closed to warm the code paths, the baseline is
 * taken after a full GC, then connections are added up to each size (at most 100 connects in
 * progress), left idle for 2.5 s (hellos and acks settle; our server holds a poll parked for a second,
 * found on its next 1 s tick, by its socket alone: server/transports/poll-sink.ts) and the server's heap and
 * off-heap (external: Buffers, ArrayBuffers) are read after a full GC. Per connection = (reading −
 * baseline) ÷ connections the server accepted since. Between sizes, the marginal cost (Δ heap ÷ Δ
 * connections) is free of one-time costs.
 *
 * File descriptors: each process may hold `ulimit -n` of them; a size that would need more (one per
 * WebSocket, up to two per SSE or long-polling client: the stream or parked poll, and a keep-alive
 * POST connection) is skipped and said so.
 */
import { execSync } from 'node:child_process';
import { startHost, type Host } from './hosts.js';
import type { OpenResult } from './generator-host.js';
import type { ServerMemory } from './server-host.js';
import { type BenchContender, type Settings, sleep } from './settings.js';
import { num, percent, table } from './stats.js';

export interface MemorySample {
  size: number;
  /** Connections the server held when measured (the size, unless some failed). */
  connections: number;
  heapPerConnection: number;
  externalPerConnection: number;
  connectSeconds: number;
  generatorCpu: number;
  note?: string;
}

export type MemoryResult = { fdLimit: number | null } & Partial<Record<BenchContender, MemorySample[]>>;

const WARM_CONNECTIONS = 10;
const CONCURRENCY = 100;
const SETTLE_MS = 2500;
const WARM_CLOSE_MS = 1000;
const FDS_PER_CONNECTION: Record<BenchContender, number> = {
  websocket: 1,
  'raw-ws': 1,
  'socketio-websocket': 1,
  sse: 2,
  'long-polling': 2,
  'socketio-polling': 2,
};

function fdLimit(): number | null {
  try {
    const n = Number(execSync('ulimit -n', { shell: '/bin/sh', stdio: ['ignore', 'pipe', 'ignore'] }).toString());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (!(await check()) && performance.now() < until) await sleep(100);
}

async function measureOne(
  contender: BenchContender,
  server: Host,
  generator: Host,
  s: Settings,
  limit: number | null,
): Promise<MemorySample[]> {
  const samples: MemorySample[] = [];
  const warm = `${contender} warm-up`;
  const idle = `${contender} idle`;
  try {
    const { port } = await server.call<{ port: number }>('init', {
      contender,
      app: 'idle',
      payloadBytes: s.payloadBytes,
    });
    const open = (group: string, count: number, timeoutMs: number) =>
      generator.call<OpenResult>(
        'open',
        { group, contender, baseUrl: `http://127.0.0.1:${port}`, count, concurrency: CONCURRENCY, timeoutMs },
        timeoutMs + 15_000,
      );
    await open(warm, WARM_CONNECTIONS, 10_000);
    await generator.call('closeGroup', { group: warm });
    await sleep(WARM_CLOSE_MS); // the idle app cannot see closes: give the warm-up connections time to end
    const base = await server.call<ServerMemory>('memory');
    let requested = 0;
    for (const size of s.sizes) {
      const needed = size * FDS_PER_CONNECTION[contender] + 100;
      if (limit !== null && needed > limit) {
        const note = `skipped: needs ~${num(needed)} file descriptors per process, ulimit -n is ${num(limit)}`;
        samples.push({
          size,
          connections: 0,
          heapPerConnection: NaN,
          externalPerConnection: NaN,
          connectSeconds: NaN,
          generatorCpu: NaN,
          note,
        });
        continue;
      }
      const opened = await open(idle, size - requested, 60_000 + size * 10);
      requested = size;
      const held = async () => (await server.call<number>('accepted')) - base.accepted;
      await waitFor(async () => (await held()) >= size, 10_000);
      await sleep(SETTLE_MS);
      const m = await server.call<ServerMemory>('memory');
      const connections = m.accepted - base.accepted;
      samples.push({
        size,
        connections,
        heapPerConnection: (m.heapUsed - base.heapUsed) / connections,
        externalPerConnection: (m.external - base.external) / connections,
        connectSeconds: opened.ms / 1000,
        generatorCpu: opened.cpuShare,
        ...(connections !== size
          ? {
              note: `the server accepted ${connections} connections for ${size} clients: ${opened.errors.join('; ') || 'timeout or reconnects'}`,
            }
          : {}),
      });
    }
  } finally {
    await generator.call('closeGroup', { group: idle }).catch(() => {});
  }
  return samples;
}

export async function measureMemory(s: Settings, log: (line: string) => void): Promise<MemoryResult> {
  const limit = fdLimit();
  const result: MemoryResult = { fdLimit: limit };
  // One load generator for every contender (its clients close between contenders); a fresh server each.
  // The next contender's server process boots while this one is measured (heap is not CPU-sensitive).
  const generator = startHost('generator-host');
  // A measured server shuts down in the background too.
  let next: Host | null = startHost('server-host');
  const stopping: Array<Promise<void>> = [];
  try {
    for (const [i, contender] of s.contenders.entries()) {
      const server = next!;
      next = i + 1 < s.contenders.length ? startHost('server-host') : null;
      try {
        result[contender] = await measureOne(contender, server, generator, s, limit);
      } finally {
        stopping.push(server.stop());
      }
      log(`  memory: ${contender} done`);
    }
  } finally {
    await Promise.all([generator.stop(), next?.stop(), ...stopping]);
  }
  return result;
}

const kb = (bytes: number) => num(bytes / 1024, 1);

export function formatMemory(r: MemoryResult, s: Settings): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const contender of s.contenders) {
    const samples = r[contender] ?? [];
    samples.forEach((x, i) => {
      const prev = samples[i - 1];
      const marginal =
        prev && prev.connections > 0 && x.connections > prev.connections
          ? kb(
              (x.heapPerConnection * x.connections - prev.heapPerConnection * prev.connections) /
                (x.connections - prev.connections),
            )
          : '–';
      rows.push([
        i === 0 ? contender : '',
        num(x.connections),
        kb(x.heapPerConnection),
        kb(x.externalPerConnection),
        marginal,
        num(x.connectSeconds, 1),
        percent(x.generatorCpu),
      ]);
      if (x.note) notes.push(`${contender} at ${num(x.size)}: ${x.note}`);
    });
  }
  const ratios = ratioRows(r);
  return [
    `Idle memory per connection — server process heap after a full GC, clients in their own process, ` +
      `KB per connection over the baseline; file descriptors per process: ${r.fdLimit ?? 'unknown'} (ulimit -n)`,
    table(
      ['contender', 'connections', 'heap KB', 'external KB', 'Δ heap KB (marginal)', 'connect s', 'generator CPU'],
      rows,
    ),
    ...notes,
    ...(ratios.length
      ? [
          '',
          'heap per connection at the largest size measured, ours ÷ peer (target: ≤ 5 KB per connection on every transport)',
          table(['', 'ours KB', 'peer KB', 'ratio'], ratios),
        ]
      : []),
  ].join('\n');
}

const PEERS: Array<[BenchContender, BenchContender]> = [
  ['websocket', 'raw-ws'],
  ['websocket', 'socketio-websocket'],
  ['sse', 'socketio-polling'],
  ['long-polling', 'socketio-polling'],
];

function ratioRows(r: MemoryResult): string[][] {
  const largest = (c: BenchContender) =>
    (r[c] ?? []).filter((x) => Number.isFinite(x.heapPerConnection)).sort((a, b) => b.size - a.size)[0];
  return PEERS.flatMap(([a, b]) => {
    const [x, y] = [largest(a), largest(b)];
    if (!x || !y || x.size !== y.size) return [];
    return [
      [
        `${a} ÷ ${b} (${num(x.size)})`,
        kb(x.heapPerConnection),
        kb(y.heapPerConnection),
        num(x.heapPerConnection / y.heapPerConnection, 2),
      ],
    ];
  });
}
