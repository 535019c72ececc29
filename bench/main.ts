/**
 * `npm run bench`: the benchmark suite the performance work is judged by. It prints, in one run,
 * echo throughput and server CPU per message, fixed-rate latency, idle memory per connection and
 * wire bytes per message — ours (each transport) against raw ws (the floor) and Socket.IO — with
 * the load generator's own CPU share beside every figure. It asserts nothing: benchmarks are read,
 * not gated. See README "Benchmarks" for what each figure means.
 *
 *   npm run bench -- [--quick] [--only throughput,latency,memory,bytes] [--contenders websocket,raw-ws]
 *                    [--rounds 5] [--json out.json] …   (--help lists every option)
 */
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { execSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { startFleet } from './fleet.js';
import { formatThroughput, measureThroughput, type ThroughputResult } from './throughput.js';
import { formatLatency, measureLatency, type LatencyResult } from './latency.js';
import { formatMemory, measureMemory, type MemoryResult } from './memory.js';
import { formatBytes, measureBytes, type BytesResult } from './bytes.js';
import { BENCH_CONTENDERS, SECTIONS, type Section, type Settings } from './settings.js';

const HELP = `npm run bench -- [options]
  --quick                  a smoke run, ~30 s on a quiet 2-core box (1 round, short windows, 200 idle connections)
  --only <list>            sections, comma-separated: ${SECTIONS.join(', ')} (default: all)
  --contenders <list>      comma-separated, from: ${BENCH_CONTENDERS.join(', ')} (default: all)
  --rounds <n>             interleaved rounds of throughput and latency (default 5)
  --window <ms>            measured window of each contender's turn (default 2000)
  --warmup <ms>            unmeasured traffic before each window (default 500)
  --clients <n>            echo clients per contender (default 8)
  --in-flight <n>          echo messages outstanding per client (default 32)
  --bytes <n>              payload size (default 100)
  --rate <msg/s>           fixed-rate latency: total offered rate (default 500)
  --sizes <list>           idle memory: connection counts (default 1000,5000)
  --bytes-window <ms>      bytes per message: measured window at 1 msg/s each way (default 20000)
  --backplane <b>          memory (default) or redis: throughput and latency servers on a throwaway Redis
  --json <file>            also write every sample as JSON
  --help`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${value}"`);
  return n;
}

/** A whole number ≥ `min`. */
function count(name: string, value: string | undefined, fallback: number, min = 1): number {
  const n = positive(name, value, fallback);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}

function list<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T[] {
  if (value === undefined) return [...allowed];
  const items = value
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const bad = items.filter((x) => !allowed.includes(x as T));
  if (bad.length || items.length === 0)
    throw new Error(`--${name}: unknown ${bad.join(', ') || '(empty)'}; choose from ${allowed.join(', ')}`);
  return allowed.filter((x) => items.includes(x));
}

/** The settings and the JSON output path; null for --help. Throws on a bad option. */
export function parseCommandLine(argv: string[]): { settings: Settings; json: string | undefined } | null {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      contenders: { type: 'string' },
      rounds: { type: 'string' },
      window: { type: 'string' },
      warmup: { type: 'string' },
      clients: { type: 'string' },
      'in-flight': { type: 'string' },
      bytes: { type: 'string' },
      rate: { type: 'string' },
      sizes: { type: 'string' },
      'bytes-window': { type: 'string' },
      backplane: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (v.help) return null;
  const quick = v.quick ?? false;
  const sizes = (v.sizes ?? (quick ? '200' : '1000,5000')).split(',').map((x) => count('sizes', x, 0));
  const settings: Settings = {
    sections: list('only', v.only, SECTIONS),
    contenders: list('contenders', v.contenders, BENCH_CONTENDERS),
    rounds: count('rounds', v.rounds, quick ? 1 : 5),
    windowMs: positive('window', v.window, quick ? 500 : 2000),
    warmupMs: positive('warmup', v.warmup, quick ? 250 : 500),
    clients: count('clients', v.clients, 8),
    inFlight: count('in-flight', v['in-flight'], 32),
    // The latency payload starts with a 17-digit send time and a space.
    payloadBytes: count('bytes', v.bytes, 100, 24),
    rate: positive('rate', v.rate, 500),
    sizes: sizes.sort((a, b) => a - b),
    bytesClients: 8,
    bytesWarmupMs: quick ? 1000 : 3000,
    bytesWindowMs: positive('bytes-window', v['bytes-window'], quick ? 2000 : 20_000),
    backplane: list('backplane', v.backplane ?? 'memory', ['memory', 'redis'] as const)[0]!,
  };
  return { settings, json: v.json };
}

function environment(): string {
  let commit = 'unknown';
  try {
    commit = execSync('git describe --always --dirty --abbrev=7', { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    // not a git checkout
  }
  const cpus = os.cpus();
  return `node ${process.version}, ${os.platform()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, commit ${commit}`;
}

/** Other processes' share of the machine while a section ran: read its figures with it in mind. */
function loadAverage(): string {
  const load = os.loadavg().map((x) => x.toFixed(2));
  return `load average ${load.join(' ')} (1, 5, 15 min) on ${os.cpus().length} cores`;
}

export interface BenchResults {
  settings: Settings;
  environment: string;
  startedAt: string;
  throughput?: ThroughputResult;
  latency?: LatencyResult;
  memory?: MemoryResult;
  bytes?: BytesResult;
  /** Sections that could not run, with why. */
  failures: Partial<Record<Section, string>>;
  seconds: number;
}

/** Runs the chosen sections in order, printing each as it completes. A failed section is reported and skipped. */
export async function runBench(
  s: Settings,
  print: (text: string) => void,
  /** Progress lines (stderr by default). */
  log: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Promise<BenchResults> {
  const results: BenchResults = {
    settings: s,
    environment: environment(),
    startedAt: new Date().toISOString(),
    failures: {},
    seconds: 0,
  };
  const started = performance.now();
  const wants = (section: Section) => s.sections.includes(section);
  const fail = (section: Section, err: unknown) => {
    results.failures[section] = err instanceof Error ? (err.stack ?? err.message) : String(err);
    print(`${section}: FAILED — ${results.failures[section]}\n`);
  };
  const attempt = async (section: Section, run: () => Promise<string>) => {
    const from = performance.now();
    try {
      print(`${await run()}\n${loadAverage()}\n`);
      log(`  ${section} took ${Math.round((performance.now() - from) / 1000)} s`);
    } catch (err) {
      fail(section, err);
    }
  };
  print(`transport-lab bench — ${results.environment}, ${loadAverage()}`);
  if (s.backplane === 'redis')
    print('throughput and latency servers on the Redis backplane (a throwaway redis-server)');
  print(
    `generator CPU: the load generator's CPU time ÷ wall time (100% = one core); (!) = ≥ 90%: it set the pace, read that figure as a floor\n`,
  );
  if (wants('throughput') || wants('latency')) {
    const fleet = await startFleet(s).catch((err) => void fail(wants('throughput') ? 'throughput' : 'latency', err));
    if (fleet) {
      for (const [contender, why] of fleet.failed) print(`${contender}: left out of throughput and latency (${why})`);
      try {
        if (wants('throughput'))
          await attempt('throughput', async () => {
            results.throughput = await measureThroughput(fleet, s, log);
            return formatThroughput(results.throughput, s);
          });
        if (wants('latency'))
          await attempt('latency', async () => {
            results.latency = await measureLatency(fleet, s, log);
            return formatLatency(results.latency, s);
          });
      } finally {
        await fleet.close();
      }
    }
  }
  if (wants('memory'))
    await attempt('memory', async () => {
      results.memory = await measureMemory(s, log);
      return formatMemory(results.memory, s);
    });
  if (wants('bytes'))
    await attempt('bytes', async () => {
      results.bytes = await measureBytes(s, log);
      return formatBytes(results.bytes, s);
    });
  results.seconds = (performance.now() - started) / 1000;
  print(`bench took ${Math.round(results.seconds)} s`);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let command: ReturnType<typeof parseCommandLine>;
  try {
    command = parseCommandLine(process.argv.slice(2));
  } catch (err) {
    console.error(`bench: ${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (!command) {
    console.log(HELP);
    process.exit(0);
  }
  const results = await runBench(command.settings, (text) => console.log(text));
  if (command.json) writeFileSync(command.json, JSON.stringify(results, null, 2));
  process.exit(Object.keys(results.failures).length > 0 ? 1 : 0);
}
