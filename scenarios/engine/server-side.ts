/**
 * The server side of a run as the runner sees it: one server process, or a cluster — a throwaway
 * Redis, N server processes on fixed free ports, and HAProxy in front of them — behind the same
 * `ServerProcess` face. Calls go to every live node and their answers are merged (counts added,
 * histograms merged); node faults (kill-node, restart-node) run on their timers during the traffic.
 * A killed node's last `stats` (taken every 500 ms) stands as its share in the per-node table.
 */
import { encodeHistogram, mergeEncoded, mergeSeries, type EncodedSeries } from '../load/histograms.js';
import { startServerProcess, type ServerProcess } from './processes.js';
import type { ClusterNodeInit, ServerTlsInit } from '../load/server-host.js';
import { now } from '../clock.js';
import type { RunPlan } from '../plan.js';
import type { ClusterInfo, RunResult } from '../results.js';
import { startBalancer, type Balancer } from '../cluster/balancer.js';
import { freePort } from '../cluster/ports.js';
import { startRedis, type RedisServer } from '../cluster/redis.js';

export interface NodeStats {
  downstreamSent: number;
  upstreamReceived: number;
  serverMessagesSent: number;
  opened: number;
  adopted: number;
  cpuMs: number;
  refusals: Record<string, number>;
}

export interface ServerSide extends ServerProcess {
  /** Starts the plan's node faults, timed from the start of the traffic; events go to `log`. */
  startFaults(trafficStart: number, runStart: number, log: (e: RunResult['events'][number]) => void): void;
  /** What ran, per node, for the results (null for one node in memory). */
  describe(): ClusterInfo | null;
  /** A server process's own port (not the balancer's): the load generator's unmetered warm-up goes there. */
  warmUpPort: number;
}

type Merge = (answers: unknown[]) => unknown;
const sum = (answers: unknown[]) => (answers as number[]).reduce((a, b) => a + b, 0);
const sumFields = (answers: unknown[]) => {
  const out: Record<string, number> = {};
  for (const a of answers as Array<Record<string, unknown>>)
    for (const [k, v] of Object.entries(a)) if (typeof v === 'number') out[k] = (out[k] ?? 0) + v;
  return out;
};
const sumCounts = (list: Array<Record<string, number>>) => {
  const out: Record<string, number> = {};
  for (const counts of list) for (const [k, v] of Object.entries(counts)) out[k] = (out[k] ?? 0) + v;
  return out;
};
const mergeHistograms = (list: Array<string | null | undefined>) => {
  const h = mergeEncoded(list);
  return h ? encodeHistogram(h) : null;
};
const mergeSeriesOf = (list: Array<Record<string, EncodedSeries>>) => {
  const out: Record<string, EncodedSeries> = {};
  for (const metric of new Set(list.flatMap((s) => Object.keys(s))))
    out[metric] = [...mergeSeries(list.map((s) => s[metric]))].map(([t, h]) => [t, encodeHistogram(h)]);
  return out;
};
const MERGES: Record<string, Merge> = {
  joined: sum,
  stats: sumFields,
  histogram: (answers) => {
    const list = answers as Array<{ encoded: string | null; sent: number }>;
    return { encoded: mergeHistograms(list.map((a) => a.encoded)), sent: list.reduce((n, a) => n + a.sent, 0) };
  },
  perSecond: (answers) => mergeSeriesOf(answers as Array<Record<string, EncodedSeries>>),
  report: (answers) => {
    const list = answers as Array<Record<string, unknown>>;
    const latency: Record<string, string | null> = {};
    for (const metric of new Set(list.flatMap((r) => Object.keys(r.latency as object))))
      latency[metric] = mergeHistograms(list.map((r) => (r.latency as Record<string, string>)[metric]));
    const cpu = list.map((r) => r.trafficCpuPercent).filter((p): p is number => typeof p === 'number');
    return {
      ...sumFields(list),
      // The saturation check looks at the busiest node, not the sum of them.
      trafficCpuPercent: cpu.length ? Math.max(...cpu) : null,
      latency,
      perSecond: mergeSeriesOf(list.map((r) => r.perSecond as Record<string, EncodedSeries>)),
      upstream: sumFields(list.map((r) => r.upstream)),
    };
  },
};

/** `tls`: a TLS run (one server only: the balancer speaks plain HTTP). */
export async function startServerSide(plan: RunPlan, tls?: ServerTlsInit): Promise<ServerSide> {
  const { nodes, balancer: mode, backplane } = plan.cluster;
  if (nodes === 1 && backplane === 'memory') {
    const server = await startServerProcess(plan, undefined, tls);
    return { ...server, startFaults() {}, describe: () => null, warmUpPort: server.port };
  }
  if (tls) throw new Error('TLS runs take one server: the cluster balancer (HAProxy, mode http) speaks plain HTTP');
  let redis: RedisServer | null = null;
  let balancer: Balancer | null = null;
  const procs: Array<ServerProcess | null> = [];
  const stopAll = async () => {
    await Promise.all(procs.map((p) => p?.stop()));
    await balancer?.stop();
    await redis?.stop();
  };
  try {
    redis = backplane === 'redis' ? await startRedis() : null;
    const inits: ClusterNodeInit[] = await Promise.all(
      Array.from({ length: nodes }, async (_, index) => ({
        paces: index === 0,
        name: `node${index}`,
        port: await freePort(),
        redisUrl: redis?.url ?? null,
      })),
    );
    procs.push(...(await Promise.all(inits.map((init) => startServerProcess(plan, init)))));
    balancer =
      nodes > 1
        ? await startBalancer(
            inits.map((i) => i.port),
            mode ?? 'round-robin',
          )
        : null;
    return clusterSide(plan, inits, procs, redis, balancer, stopAll);
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function clusterSide(
  plan: RunPlan,
  inits: ClusterNodeInit[],
  procs: Array<ServerProcess | null>,
  redis: RedisServer | null,
  balancer: Balancer | null,
  stopAll: () => Promise<void>,
): ServerSide {
  const last: NodeStats[] = inits.map(() => ({
    downstreamSent: 0,
    upstreamReceived: 0,
    serverMessagesSent: 0,
    opened: 0,
    adopted: 0,
    cpuMs: 0,
    refusals: {},
  }));
  const killedAt: Array<number | null> = inits.map(() => null);
  const restartedAt: Array<number | null> = inits.map(() => null);
  /** Faults firing now (a restart waits for its process to start). */
  const inFlight = new Set<Promise<void>>();
  /** Stats of processes that were replaced (a restart): counted into their node's row. */
  const before: NodeStats[] = inits.map(() => ({ ...last[0]! }));
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  let runStart = 0;

  let redisCalls: Record<string, number> = {};
  const poll = setInterval(() => {
    redis
      ?.commandCalls()
      .then((calls) => (redisCalls = calls))
      .catch(() => {});
    procs.forEach((p, i) => {
      p?.caller
        .call<NodeStats>('stats', undefined, 2000)
        .then((s) => (last[i] = s))
        .catch(() => {});
    });
  }, 500);
  poll.unref();

  const caller = {
    async call<T>(method: string, args?: unknown, timeoutMs?: number): Promise<T> {
      const live = procs.filter((p): p is ServerProcess => p !== null);
      const answers = await Promise.all(
        live.map((p) =>
          p.caller.call(method, args, timeoutMs).catch((error: Error) => {
            if (procs.includes(p)) throw error;
            return undefined; // killed while the call was out
          }),
        ),
      );
      const got = answers.filter((a) => a !== undefined);
      const merge = MERGES[method];
      return (merge ? merge(got) : got[0]) as T;
    },
  };

  return {
    caller,
    port: balancer?.port ?? procs[0]!.port,
    warmUpPort: procs[0]!.port,
    pid: procs[0]!.pid,
    kill: () => procs.forEach((p) => p?.kill()),
    async stop() {
      clearInterval(poll);
      timers.forEach(clearTimeout);
      await Promise.all(inFlight);
      await stopAll();
    },
    startFaults(trafficStart, start, log) {
      runStart = start;
      for (const fault of plan.cluster.faults) {
        const i = fault.node;
        const fire = async () => {
          const t = now() - runStart;
          if (fault.type === 'kill-node') {
            const victim = procs[i];
            if (!victim) return;
            procs[i] = null;
            victim.kill();
            killedAt[i] = t;
            log({ t, type: 'kill-node', detail: `${inits[i]!.name} (pid ${victim.pid}) SIGKILLed` });
          } else {
            if (procs[i]) return;
            const b = before[i]!;
            const l = last[i]!;
            before[i] = {
              ...sumFields([b, l]),
              refusals: sumCounts([b.refusals, l.refusals]),
            } as unknown as NodeStats;
            last[i] = { ...l, downstreamSent: 0, upstreamReceived: 0, opened: 0, adopted: 0, cpuMs: 0, refusals: {} };
            const name = `${inits[i]!.name}-restarted`;
            const fresh = await startServerProcess(plan, { ...inits[i]!, name, paces: false });
            await fresh.caller.call('setRunStart', runStart);
            procs[i] = fresh;
            restartedAt[i] = now() - runStart;
            log({ t: restartedAt[i]!, type: 'restart-node', detail: `${inits[i]!.name} started again as ${name}` });
          }
        };
        // A restart still starting when the run stops is awaited by stop() (recorded, then stopped).
        const track = () => {
          const firing = fire().catch(() => {});
          inFlight.add(firing);
          void firing.then(() => inFlight.delete(firing));
        };
        timers.push(setTimeout(track, trafficStart + fault.at - now()));
      }
    },
    describe: () => ({
      nodes: inits.length,
      balancer: balancer ? { mode: balancer.mode, software: `HAProxy ${balancer.version}` } : null,
      backplane: redis ? { kind: 'redis', software: `Redis ${redis.version}` } : { kind: 'memory', software: null },
      perNode: inits.map((init, i) => ({
        node: init.name,
        opened: before[i]!.opened + last[i]!.opened,
        adopted: before[i]!.adopted + last[i]!.adopted,
        upstreamReceived: before[i]!.upstreamReceived + last[i]!.upstreamReceived,
        downstreamSent: before[i]!.downstreamSent + last[i]!.downstreamSent,
        cpuMs: Math.round(before[i]!.cpuMs + last[i]!.cpuMs),
        refusals: sumCounts([before[i]!.refusals, last[i]!.refusals]),
        killedAtMs: killedAt[i] === null ? null : Math.round(killedAt[i]!),
        restartedAtMs: restartedAt[i] === null ? null : Math.round(restartedAt[i]!),
      })),
      faults: plan.cluster.faults.map((f) => ({ type: f.type, node: f.node, atMs: f.at })),
      ...(redis ? { redisCalls } : {}),
    }),
  };
}
