/**
 * Wire bytes per application message at 1 msg/s each way. Every contender at once (the rate is far
 * too low for CPU to matter): its own server process (push application: each connection gets its
 * own 1 msg/s stream, and what clients send is counted and dropped), `bytesClients` clients in one
 * load generator each sending 1 msg/s, all through a metering proxy (scenarios/network/proxy.ts +
 * scenarios/meter: every byte at the client-facing socket, both directions, classified; equal to a
 * tshark capture of the same run).
 *
 * The window has quiet edges: after `bytesWarmupMs` of traffic (connection set-up stays out of the
 * window) the traffic stops, and once everything sent has arrived and the last acks had time to go
 * out, the window opens; traffic runs `bytesWindowMs`, stops, and the window closes when it is quiet
 * again. So the window holds whole messages and everything they cost, and the figure is exact:
 * (an ack that waits longer than the settling time — ours by POST on SSE, 16 s — is owed at both
 * edges alike: the one for the messages before the window goes out inside it, the one for its last
 * messages after it, so the window still counts one per edge, what steady traffic costs)
 * (wire bytes in the window) ÷ (application messages in the window, both directions), split by the
 * meter's categories; overhead = that − the application's own bytes (`payloadBytes`); for ours, the
 * ack cost (bench/ack-meter.ts).
 */
import { CONTENDER_INFO } from '../scenarios/contenders.js';
import { createWireMeter, type WireMeter } from '../scenarios/meter/meter.js';
import { addBreakdown, emptyBreakdown } from '../scenarios/meter/tally.js';
import { createProxy, type NetworkProxy } from '../scenarios/network/proxy.js';
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
  /** The whole window: traffic plus its quiet tail. */
  windowSeconds: number;
  generatorCpu: number;
  /** The bench's own process: the metering proxies. */
  proxyCpu: number;
} & Partial<Record<BenchContender, BytesSample>>;

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
  /** Application messages, both directions, cumulative. */
  sent: number;
  delivered: number;
}

const SETTLE_MS = 1500;

async function startLane(contender: BenchContender, generator: Host, s: Settings): Promise<Lane> {
  const server = startHost('server-host');
  const { port } = await server.call<{ port: number }>('init', {
    contender,
    app: 'push',
    pushRate: 1,
    payloadBytes: s.payloadBytes,
  });
  const meter = createWireMeter({ dialect: CONTENDER_INFO[contender].dialect });
  const acks = CONTENDER_INFO[contender].family === 'ours' ? createAckMeter() : null;
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

interface Counts {
  sent: number;
  received: number;
}

async function snapshot(lane: Lane, generator: Host): Promise<Snapshot> {
  const [server, clients] = await Promise.all([
    lane.server.call<Counts>('counts'),
    generator.call<Counts>('counts', { group: lane.contender }),
  ]);
  const { upstream, downstream } = lane.meter.totals();
  return {
    bytes: addBreakdown(addBreakdown(emptyBreakdown(), upstream), downstream),
    acks: lane.acks?.totals() ?? zeroAckCost(),
    sent: server.sent + clients.sent,
    delivered: server.received + clients.received,
  };
}

function minus<T extends object>(a: T, b: T): T {
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, (v as number) - (b[k as keyof T] as number)])) as T;
}

/** Traffic on every lane: each connection's 1 msg/s server stream, each client's 1 msg/s. */
async function traffic(lanes: Lane[], generator: Host, on: boolean, payloadBytes: number): Promise<void> {
  await Promise.all(
    lanes.flatMap((l) =>
      on
        ? [
            l.server.call('startPush'),
            generator.call('pacedStart', { group: l.contender, rate: 1, payloadBytes, mode: 'stream' }),
          ]
        : [l.server.call('stopPush'), generator.call('stop', { group: l.contender, drainMs: 0 })],
    ),
  );
}

/**
 * After the traffic stopped: until everything sent has arrived (at most 5 s), then SETTLE_MS more for
 * the last acks (ours alone after ≤ 1 s on WebSocket) — so a window holds its messages and all they cost.
 */
async function quiesce(lanes: Lane[], generator: Host): Promise<void> {
  const until = performance.now() + 5000;
  while (performance.now() < until) {
    const snaps = await Promise.all(lanes.map((l) => snapshot(l, generator)));
    if (snaps.every((x) => x.delivered >= x.sent)) break;
    await sleep(50);
  }
  await sleep(SETTLE_MS);
}

export async function measureBytes(s: Settings, log: (line: string) => void): Promise<BytesResult> {
  const generator = startHost('generator-host');
  const lanes: Lane[] = [];
  try {
    const started = await Promise.allSettled(s.contenders.map((c) => startLane(c, generator, s)));
    for (const r of started) if (r.status === 'fulfilled') lanes.push(r.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    // Warm-up traffic, then quiet edges on both sides of the window.
    await traffic(lanes, generator, true, s.payloadBytes);
    await sleep(s.bytesWarmupMs);
    await traffic(lanes, generator, false, s.payloadBytes);
    await quiesce(lanes, generator);
    const cpu = process.cpuUsage();
    const at = performance.now();
    await generator.call('mark', { group: lanes[0].contender });
    const before = await Promise.all(lanes.map((l) => snapshot(l, generator)));
    log(`  bytes: measuring ${num(s.bytesWindowMs / 1000)} s at 1 msg/s each way`);
    await traffic(lanes, generator, true, s.payloadBytes);
    await sleep(s.bytesWindowMs);
    await traffic(lanes, generator, false, s.payloadBytes);
    await quiesce(lanes, generator);
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
      const sent = after[i].sent - before[i].sent;
      const messages = after[i].delivered - before[i].delivered;
      const notes = [
        l.opened < s.bytesClients ? `${l.opened} of ${s.bytesClients} clients connected` : '',
        messages !== sent ? `${sent - messages} of ${sent} not delivered` : '',
      ].filter(Boolean);
      result[l.contender] = {
        messages,
        bytes: minus(after[i].bytes, before[i].bytes),
        acks: l.acks ? minus(after[i].acks, before[i].acks) : null,
        ...(notes.length ? { note: notes.join(', ') } : {}),
      };
    });
    return result;
  } finally {
    await generator.stop();
    await Promise.all(lanes.map(async (l) => Promise.all([l.server.stop(), l.proxy.close()])));
  }
}

const HEADS: Array<[Exclude<keyof ByteBreakdown, 'http2'>, string]> = [
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
    x && x.messages > 0 ? x.bytes.total / x.messages - s.payloadBytes : NaN;
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
      `${num(s.bytesWindowMs / 1000, 1)} s of traffic in a ${num(r.windowSeconds, 1)} s window with quiet edges, wire bytes at the ` +
      `proxy's client socket (both directions) ÷ messages (both directions); generator CPU ${percent(r.generatorCpu)}${flag(gen)}, ` +
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
    `(the categories add up to B/msg; overhead = B/msg − the application's ${s.payloadBytes} bytes — the meter counts ` +
      `Socket.IO's JSON string quotes as payload; acks = every byte that exists to carry our acks, overlapping the ` +
      `categories: ack-only POSTs whole, standalone a<n> messages with their framing, piggybacked ack fields)`,
    '',
    ...(ratios.length
      ? [
          'overhead per message, ours ÷ Socket.IO on the same kind of transport',
          table(['', 'ours B', 'Socket.IO B', 'ratio', 'target'], ratios),
        ]
      : []),
  ].join('\n');
}
