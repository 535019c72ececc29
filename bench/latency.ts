/**
 * Fixed-rate latency: the same echo servers and clients as the throughput section, but offered a
 * fixed total rate well below saturation (paced by scenarios/load/pacer.ts, each client at its own
 * phase). Each payload carries its send time; the round trip of every reply that arrives in the
 * window goes into an HDR histogram (µs). Interleaved rounds like the throughput section; ratios to
 * raw ws are taken per round.
 */
import type { Fleet } from './fleet.js';
import type { GeneratorWindow } from './generator-host.js';
import type { ServerWindow } from './server-host.js';
import { type BenchContender, rotated, type Settings, sleep } from './settings.js';
import { flag } from './throughput.js';
import { num, percent, ratioSpread, showSpread, spread, table } from './stats.js';

export interface LatencySample {
  count: number;
  p50Ms: number;
  p99Ms: number;
  /** Replies in the window ÷ seconds: what was actually carried (should equal the offered rate). */
  deliveredPerSec: number;
  serverCpu: number;
  generatorCpu: number;
}

export type LatencyResult = Partial<Record<BenchContender, LatencySample[]>>;

export async function measureLatency(fleet: Fleet, s: Settings, log: (line: string) => void): Promise<LatencyResult> {
  const contenders = s.contenders.filter((c) => !fleet.failed.has(c));
  const result: LatencyResult = {};
  for (let round = 0; round < s.rounds; round++) {
    for (const contender of rotated(contenders, round)) {
      const server = fleet.servers.get(contender)!;
      const group = { group: contender };
      await fleet.generator.call('pacedStart', { ...group, rate: s.rate, payloadBytes: s.payloadBytes, mode: 'paced' });
      await sleep(s.warmupMs);
      await Promise.all([server.call('mark'), fleet.generator.call('mark', group)]);
      await sleep(s.windowMs);
      const [srv, gen] = await Promise.all([
        server.call<ServerWindow>('read'),
        fleet.generator.call<GeneratorWindow>('read', group),
      ]);
      await fleet.generator.call('stop', group, 15_000);
      (result[contender] ??= []).push({
        count: gen.latency?.count ?? 0,
        p50Ms: gen.latency?.p50Ms ?? NaN,
        p99Ms: gen.latency?.p99Ms ?? NaN,
        deliveredPerSec: gen.received / gen.seconds,
        serverCpu: srv.cpuMs / srv.wallMs,
        generatorCpu: gen.cpuShare,
      });
    }
    log(`  latency round ${round + 1}/${s.rounds} done`);
  }
  return result;
}

/** Below 95 % of the offered rate the contender was saturated: its percentiles measure a queue. */
const carried = (perSec: number | undefined, offered: number) =>
  perSec === undefined ? '–' : num(perSec) + (perSec < 0.95 * offered ? ' (!)' : '');

export function formatLatency(r: LatencyResult, s: Settings): string {
  const floor = r['raw-ws'];
  const rows = Object.entries(r).map(([contender, samples]) => {
    const gen = spread(samples.map((x) => x.generatorCpu));
    const vsFloor = (key: 'p50Ms' | 'p99Ms') =>
      floor && contender !== 'raw-ws'
        ? showSpread(
            ratioSpread(
              samples.map((x) => x[key]),
              floor.map((x) => x[key]),
            ),
            2,
          )
        : '–';
    return [
      contender,
      carried(spread(samples.map((x) => x.deliveredPerSec))?.median, s.rate),
      showSpread(spread(samples.map((x) => x.p50Ms)), 3),
      showSpread(spread(samples.map((x) => x.p99Ms)), 3),
      vsFloor('p50Ms'),
      vsFloor('p99Ms'),
      percent(spread(samples.map((x) => x.serverCpu))?.median),
      percent(gen?.median) + flag(gen),
    ];
  });
  return [
    `Fixed-rate latency — ${num(s.rate)} msg/s offered over ${s.clients} clients, ${s.payloadBytes}-byte text echo, round trip, ` +
      `${s.rounds} interleaved rounds × ${num(s.windowMs / 1000, 1)} s, median [min–max] of the per-round percentiles; ` +
      `(!) after carried/s: under 95% of the offered rate arrived, the contender (or the machine) was saturated`,
    table(
      ['contender', 'carried/s', 'p50 ms', 'p99 ms', 'p50 ÷ raw-ws', 'p99 ÷ raw-ws', 'server CPU', 'generator CPU'],
      rows,
    ),
  ].join('\n');
}
