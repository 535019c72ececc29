/**
 * Wire bytes per application message at 1 msg/s each way. Every contender at once (the rate is far
 * too low for CPU to matter): its own server process (push application: each connection gets its
 * own 1 msg/s stream, and what clients send is counted and dropped), `bytesClients` clients in one
 * load generator each sending 1 msg/s, all through a metering proxy (scenarios/network/proxy.ts +
 * scenarios/meter: every byte at the client-facing socket, both directions, classified; equal to a
 * tshark capture of the same run). Traffic runs `bytesWarmupMs` first, so connection set-up is not
 * in the window; the figure is (wire bytes in the window) ÷ (application messages delivered in the
 * window, both directions), split by the meter's categories, and for ours the ack cost
 * (bench/ack-meter.ts).
 */
import { createWireMeter, type Dialect, type WireMeter } from '../scenarios/meter/meter.js';
import { addBreakdown, emptyBreakdown } from '../scenarios/meter/tally.js';
import { createProxy, type NetworkProxy } from '../scenarios/network/proxy.js';
import { FAMILY } from '../scenarios/peers/index.js';
import type { ByteBreakdown } from '../scenarios/results.js';
import { createAckMeter, zeroAckCost, type AckCost } from './ack-meter.js';
import type { GeneratorWindow, OpenResult } from './generator-host.js';
import { startHost, type Host } from './hosts.js';
import { type BenchContender, type Settings, sleep } from './settings.js';
import { flag } from './throughput.js';
import { num, percent, spread, table } from './stats.js';

export interface BytesSample {
  messages: number;
  /** Wire bytes in the window, both directions, by category. */
  bytes: ByteBreakdown;
  acks: AckCost | null;
  note?: string;
}

export type BytesResult = {
  windowSeconds: number;
  generatorCpu: number;
  /** The bench's own process: the metering proxies. */
  proxyCpu: number;
} & Partial<Record<BenchContender, BytesSample>>;

const DIALECT: Record<(typeof FAMILY)[BenchContender], Dialect> = {
  ours: 'envelope',
  socketio: 'socketio',
  'raw-ws': 'raw',
};

interface Lane {
  contender: BenchContender;
  server: Host;
  proxy: NetworkProxy;
  meter: WireMeter;
  acks: ReturnType<typeof createAckMeter> | null;
  opened: number;
}

interface Snapshot {
  bytes: ByteBreakdown;
  acks: AckCost;
  delivered: number;
}

async function startLane(contender: BenchContender, generator: Host, s: Settings): Promise<Lane> {
  const server = startHost('server-host');
  const { port } = await server.call<{ port: number }>('init', {
    contender,
    app: 'push',
    pushRate: 1,
    payloadBytes: s.payloadBytes,
  });
  const meter = createWireMeter({ dialect: DIALECT[FAMILY[contender]] });
  const acks = FAMILY[contender] === 'ours' ? createAckMeter() : null;
  const proxy = await createProxy({
    target: { host: '127.0.0.1', port },
    tap: (id) => {
      const taps = [meter.tap(id), ...(acks ? [acks.tap(id)] : [])];
      return {
        upstream: (b) => taps.forEach((t) => t.upstream(b)),
        downstream: (b) => taps.forEach((t) => t.downstream(b)),
        close: () => taps.forEach((t) => t.close()),
      };
    },
  });
  const { opened } = await generator.call<OpenResult>(
    'open',
    {
      group: contender,
      contender,
      baseUrl: `http://127.0.0.1:${proxy.port}`,
      count: s.bytesClients,
      concurrency: s.bytesClients,
      timeoutMs: 20_000,
    },
    35_000,
  );
  return { contender, server, proxy, meter, acks, opened };
}

async function snapshot(lane: Lane, generator: Host): Promise<Snapshot> {
  const [server, clients] = await Promise.all([
    lane.server.call<{ received: number }>('counts'),
    generator.call<{ received: number }>('counts', { group: lane.contender }),
  ]);
  const { upstream, downstream } = lane.meter.totals();
  return {
    bytes: addBreakdown(addBreakdown(emptyBreakdown(), upstream), downstream),
    acks: lane.acks?.totals() ?? zeroAckCost(),
    delivered: server.received + clients.received,
  };
}

function minus<T extends object>(a: T, b: T): T {
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, (v as number) - (b[k as keyof T] as number)])) as T;
}

export async function measureBytes(s: Settings, log: (line: string) => void): Promise<BytesResult> {
  const generator = startHost('generator-host');
  const lanes: Lane[] = [];
  try {
    const started = await Promise.allSettled(s.contenders.map((c) => startLane(c, generator, s)));
    for (const r of started) if (r.status === 'fulfilled') lanes.push(r.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    await Promise.all(
      lanes.flatMap((l) => [
        l.server.call('startPush'),
        generator.call('pacedStart', { group: l.contender, rate: 1, payloadBytes: s.payloadBytes, mode: 'stream' }),
      ]),
    );
    await sleep(s.bytesWarmupMs);
    const cpu = process.cpuUsage();
    const at = performance.now();
    await generator.call('mark', { group: lanes[0].contender });
    const before = await Promise.all(lanes.map((l) => snapshot(l, generator)));
    log(`  bytes: measuring ${num(s.bytesWindowMs / 1000)} s at 1 msg/s each way`);
    await sleep(s.bytesWindowMs);
    const after = await Promise.all(lanes.map((l) => snapshot(l, generator)));
    const gen = await generator.call<GeneratorWindow>('read', { group: lanes[0].contender });
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - at) / 1000;
    const result: BytesResult = {
      windowSeconds: seconds,
      generatorCpu: gen.cpuShare,
      proxyCpu: (used.user + used.system) / 1e6 / seconds,
    };
    lanes.forEach((l, i) => {
      result[l.contender] = {
        messages: after[i].delivered - before[i].delivered,
        bytes: minus(after[i].bytes, before[i].bytes),
        acks: l.acks ? minus(after[i].acks, before[i].acks) : null,
        ...(l.opened < s.bytesClients ? { note: `${l.opened} of ${s.bytesClients} clients connected` } : {}),
      };
    });
    return result;
  } finally {
    await generator.stop();
    await Promise.all(lanes.map(async (l) => Promise.all([l.server.stop(), l.proxy.close()])));
  }
}

const HEADS: Array<[keyof ByteBreakdown, string]> = [
  ['payload', 'payload'],
  ['envelope', 'envelope'],
  ['framing', 'framing'],
  ['control', 'control'],
  ['httpHeaders', 'HTTP heads'],
  ['handshake', 'handshake'],
];

/** Our transport → the Socket.IO contender of the same kind. */
const PEERS: Array<[BenchContender, BenchContender]> = [
  ['websocket', 'socketio-websocket'],
  ['sse', 'socketio-polling'],
  ['long-polling', 'socketio-polling'],
];

export function formatBytes(r: BytesResult, s: Settings): string {
  const per = (x: BytesSample, bytes: number) => num(bytes / x.messages, 1);
  const overhead = (x: BytesSample | undefined) =>
    x && x.messages > 0 ? (x.bytes.total - x.bytes.payload) / x.messages : NaN;
  const rows = s.contenders
    .filter((c) => r[c])
    .map((c) => {
      const x = r[c]!;
      return [
        c + (x.note ? ` (${x.note})` : ''),
        num(x.messages),
        per(x, x.bytes.total),
        num(overhead(x), 1),
        ...HEADS.map(([k]) => per(x, x.bytes[k])),
        x.acks ? per(x, x.acks.bytes) : '–',
        x.acks ? num(x.acks.ackOnlyRequests / x.messages, 2) : '–',
        x.acks ? num(x.acks.ackMessages / x.messages, 2) : '–',
      ];
    });
  const ratios = PEERS.filter(([a, b]) => r[a] && r[b]).map(([a, b]) => [
    `${a} ÷ ${b}`,
    num(overhead(r[a]), 1),
    num(overhead(r[b]), 1),
    num(overhead(r[a]) / overhead(r[b]), 2),
    '< 1',
  ]);
  const gen = spread([r.generatorCpu]);
  return [
    `Bytes per message at 1 msg/s each way — ${s.bytesClients} clients per contender, ${s.payloadBytes}-byte text, ` +
      `${num(r.windowSeconds, 1)} s window after ${num(s.bytesWarmupMs / 1000, 1)} s of traffic, wire bytes at the proxy's ` +
      `client socket (both directions) ÷ messages delivered (both directions); generator CPU ${percent(r.generatorCpu)}${flag(gen)}, ` +
      `proxies ${percent(r.proxyCpu)}`,
    table(
      [
        'contender',
        'messages',
        'B/msg',
        'overhead',
        ...HEADS.map(([, h]) => h),
        'acks B/msg',
        'ack-only req/msg',
        'ack msgs/msg',
      ],
      rows,
    ),
    `(categories per message add up to B/msg; overhead = B/msg − payload; acks = every byte that exists to carry our acks, ` +
      `overlapping the categories: ack-only POSTs whole, standalone a<n> messages with their framing, piggybacked ack fields)`,
    '',
    ...(ratios.length
      ? [
          'overhead per message, ours ÷ Socket.IO on the same kind of transport',
          table(['', 'ours B', 'Socket.IO B', 'ratio', 'target'], ratios),
        ]
      : []),
  ].join('\n');
}
