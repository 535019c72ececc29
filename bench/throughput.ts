/**
 * Echo throughput and server CPU per message. Each contender's turn: its clients start a closed
 * loop (`inFlight` messages outstanding per client, one more sent per reply), run `warmupMs`
 * unmeasured, then a `windowMs` window in which the generator counts replies (msg/s = echoes
 * completed per second: one message up and one down each) and the server process measures its own
 * CPU time ÷ the messages it echoed (µs/msg). Contenders are interleaved within each round and the
 * order rotates, so every ratio compares two figures from the same round, seconds apart.
 */
import type { ServerWindow } from './server-host.js';
import type { Fleet } from './fleet.js';
import type { GeneratorWindow } from './generator-host.js';
import { type BenchContender, rotated, type Settings, sleep } from './settings.js';
import { num, percent, ratioSpread, showSpread, spread, table, type Spread } from './stats.js';

export interface ThroughputSample {
  msgPerSec: number;
  serverUsPerMsg: number;
  /** CPU time ÷ wall time of one core: the server process, and the load generator. */
  serverCpu: number;
  generatorCpu: number;
  generatorLoop: number;
  /** Replies still missing after the turn (expected 0). */
  unanswered: number;
}

export type ThroughputResult = Partial<Record<BenchContender, ThroughputSample[]>>;

export async function measureThroughput(
  fleet: Fleet,
  s: Settings,
  log: (line: string) => void,
): Promise<ThroughputResult> {
  const contenders = s.contenders.filter((c) => !fleet.failed.has(c));
  const result: ThroughputResult = {};
  for (let round = 0; round < s.rounds; round++) {
    for (const contender of rotated(contenders, round)) {
      const server = fleet.servers.get(contender)!;
      const group = { group: contender };
      await fleet.generator.call('echoStart', { ...group, inFlight: s.inFlight, payloadBytes: s.payloadBytes });
      await sleep(s.warmupMs);
      await Promise.all([server.call('mark'), fleet.generator.call('mark', group)]);
      await sleep(s.windowMs);
      const [srv, gen] = await Promise.all([
        server.call<ServerWindow>('read'),
        fleet.generator.call<GeneratorWindow>('read', group),
      ]);
      const { outstanding } = await fleet.generator.call<{ outstanding: number }>('stop', group, 15_000);
      (result[contender] ??= []).push({
        msgPerSec: gen.received / gen.seconds,
        serverUsPerMsg: (srv.cpuMs * 1000) / srv.received,
        serverCpu: srv.cpuMs / srv.wallMs,
        generatorCpu: gen.cpuShare,
        generatorLoop: gen.loopShare,
        unanswered: outstanding,
      });
    }
    log(`  throughput round ${round + 1}/${s.rounds} done`);
  }
  return result;
}

/** Ratios the performance targets use (issue 12): [label, numerator, denominator, target]. */
const MSG_RATIOS: Array<[string, BenchContender, BenchContender, string]> = [
  ['websocket ÷ raw-ws', 'websocket', 'raw-ws', '≥ 0.9'],
  ['websocket ÷ socketio-websocket', 'websocket', 'socketio-websocket', '≥ 1.5'],
  ['long-polling ÷ socketio-polling', 'long-polling', 'socketio-polling', '≥ 1.5'],
  ['sse ÷ socketio-polling', 'sse', 'socketio-polling', '≥ 1.5'],
];
const CPU_RATIOS: Array<[string, BenchContender, BenchContender, string]> = [
  ['websocket ÷ raw-ws', 'websocket', 'raw-ws', '≤ 1.1'],
  ['websocket ÷ socketio-websocket', 'websocket', 'socketio-websocket', ''],
  ['long-polling ÷ socketio-polling', 'long-polling', 'socketio-polling', ''],
  ['sse ÷ socketio-polling', 'sse', 'socketio-polling', ''],
];

/** A generator this busy set the pace itself: the figure beside it measures the generator. */
export const SATURATED = 0.9;
export const flag = (share: Spread | null) => (share && share.median >= SATURATED ? ' (!)' : '');

export function formatThroughput(r: ThroughputResult, s: Settings): string {
  const rows = Object.entries(r).map(([contender, samples]) => {
    const gen = spread(samples.map((x) => x.generatorCpu));
    const unanswered = samples.reduce((n, x) => n + x.unanswered, 0);
    return [
      contender + (unanswered ? ` (${unanswered} unanswered)` : ''),
      showSpread(spread(samples.map((x) => x.msgPerSec))),
      showSpread(spread(samples.map((x) => x.serverUsPerMsg)), 1),
      percent(spread(samples.map((x) => x.serverCpu))?.median),
      percent(gen?.median) + flag(gen),
    ];
  });
  const ratioRows = (pairs: typeof MSG_RATIOS, key: 'msgPerSec' | 'serverUsPerMsg', digits: number) =>
    pairs
      .filter(([, a, b]) => r[a] && r[b])
      .map(([label, a, b, target]) => {
        const ratio = ratioSpread(
          r[a]!.map((x) => x[key]),
          r[b]!.map((x) => x[key]),
        );
        return [label, showSpread(ratio, digits), target];
      });
  return [
    `Echo throughput — ${s.clients} clients × ${s.inFlight} in flight, ${s.payloadBytes}-byte text, server in its own process, ` +
      `${s.rounds} interleaved rounds × ${num(s.windowMs / 1000, 1)} s (after ${num(s.warmupMs / 1000, 1)} s warm-up), median [min–max]`,
    table(['contender', 'echoes/s', 'server µs/msg', 'server CPU', 'generator CPU'], rows),
    '',
    'msg/s ratios (per round, median [min–max])',
    table(['', 'ratio', 'target'], ratioRows(MSG_RATIOS, 'msgPerSec', 2)),
    '',
    'server CPU per message ratios (per round, median [min–max])',
    table(['', 'ratio', 'target'], ratioRows(CPU_RATIOS, 'serverUsPerMsg', 2)),
  ].join('\n');
}
