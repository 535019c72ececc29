/**
 * Turns what the server process, the workers and the wire meter reported into one RunResult.
 * Nothing here measures: it merges histograms, adds counts and divides.
 */
import { deliveryCounts, sumReceive, type ReceiveCounts } from '../load/delivery.js';
import {
  mergeEncoded,
  mergeSeries,
  summarize,
  type EncodedLatency,
  type EncodedSeries,
  type LatencyMetric,
} from '../load/histograms.js';
import type { NetworkProfile } from '../network/profiles.js';
import { planParams, type RunPlan } from '../plan.js';
import { LATENCY_HISTOGRAMS, PRIMARY_LATENCY_ORDER, type ByteBreakdown, type RunResult } from '../results.js';

type Series = Partial<Record<LatencyMetric, EncodedSeries>>;

export interface ServerReport {
  latency: EncodedLatency;
  perSecond: Series;
  upstream: ReceiveCounts;
  downstreamSent: number;
  serverMessagesSent: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  connectedBytesDelta: number;
  trafficCpuPercent: number | null;
}

export interface WorkerReport {
  latency: EncodedLatency;
  perSecond: Series;
  delivery: ReceiveCounts;
  /** Each client's own stream as it came back (echo, fanout). */
  own?: ReceiveCounts;
  /** What the clients' messages were addressed to: deliveries owed (fanout: the room each; echo: one). */
  addressed?: number;
  sent: number;
  transports: Record<string, number>;
  events: RunResult['events'];
}

export interface RunFacts {
  plan: RunPlan;
  startedAt: string;
  status: RunResult['status'];
  error?: string;
  profile: NetworkProfile;
  middlebox: string | null;
  trafficMs: number;
  connectedClients: number;
  server: ServerReport | null;
  workers: WorkerReport[];
  bytes: { upstream: ByteBreakdown; downstream: ByteBreakdown; connections?: number; requests?: number };
  bandwidth: RunResult['bandwidth'];
  events: RunResult['events'];
  /** Busy share of each load generator over the traffic phase, 0–1 of one core (ClientWorker.markCpu). */
  workerUtilization: number[];
  /** The runner's own CPU and the proxy processes', connect and traffic phases. */
  runner?: RunResult['runner'];
  extraParams?: Record<string, unknown>;
  browser?: RunResult['browser'];
  /** Which of the repeated runs of this plan (RunResult.repeat). */
  repeat?: number;
  cluster?: RunResult['cluster'] | null;
}

export function buildResult(f: RunFacts): RunResult {
  const merged = (metric: LatencyMetric) =>
    mergeEncoded([f.server?.latency[metric], ...f.workers.map((w) => w.latency[metric])]);
  const latency = Object.fromEntries(LATENCY_HISTOGRAMS.map((m) => [m, summarize(merged(m))])) as RunResult['latency'];

  const down = deliveryCounts(downstreamSent(f), sumReceive(f.workers.map((w) => w.delivery)));
  const up = deliveryCounts(
    f.workers.reduce((n, w) => n + w.sent, 0),
    upstreamReceived(f),
  );
  const messages = down.received + up.received;
  const total = f.bytes.upstream.total + f.bytes.downstream.total;
  const payload = f.bytes.upstream.payload + f.bytes.downstream.payload;

  const finalTransports: Record<string, number> = {};
  for (const w of f.workers)
    for (const [name, n] of Object.entries(w.transports)) finalTransports[name] = (finalTransports[name] ?? 0) + n;

  const cpuMs = (f.server?.cpuUserMs ?? 0) + (f.server?.cpuSystemMs ?? 0);
  const perConnection = (x: number) => (f.connectedClients > 0 ? x / f.connectedClients : 0);

  return {
    scenario: f.plan.scenario,
    description: f.plan.description,
    params: { ...planParams(f.plan), ...f.extraParams },
    contender: f.plan.contender,
    network: {
      name: f.profile.name,
      rttMs: f.profile.rttMs,
      jitterMs: f.profile.jitterMs,
      bandwidthKbps: f.profile.downKbps,
    },
    middlebox: f.middlebox,
    clientMode: f.plan.clientMode ?? 'node',
    ...(f.browser ? { browser: f.browser } : {}),
    clients: f.plan.clients,
    ...(f.repeat !== undefined ? { repeat: f.repeat } : {}),
    startedAt: f.startedAt,
    durationMs: Math.round(f.trafficMs),
    status: f.status,
    ...(f.error ? { error: f.error } : {}),
    finalTransports,
    latency,
    latencyOverTime: latencyOverTime(f),
    delivery: { serverToClient: down, clientToServer: up },
    bytes: {
      upstream: f.bytes.upstream,
      downstream: f.bytes.downstream,
      messages,
      perMessage: messages > 0 ? round(total / messages) : 0,
      overheadPerMessage: messages > 0 ? round((total - payload) / messages) : 0,
      ...(f.bytes.connections !== undefined ? { connections: f.bytes.connections } : {}),
      ...(f.bytes.requests !== undefined ? { requests: f.bytes.requests } : {}),
    },
    bandwidth: f.bandwidth,
    events: [...f.events, ...f.workers.flatMap((w) => w.events)]
      .sort((a, b) => a.t - b.t)
      .map((e) => ({ ...e, t: Math.max(0, Math.round(e.t)) })),
    server: {
      cpuUserMs: round(f.server?.cpuUserMs ?? 0),
      cpuSystemMs: round(f.server?.cpuSystemMs ?? 0),
      cpuMsPerConnection: round(perConnection(cpuMs)),
      rssBytes: f.server?.rssBytes ?? 0,
      heapUsedBytes: f.server?.heapUsedBytes ?? 0,
      // Can come out negative when the GC freed more than the connections took: reported as measured.
      memoryPerConnectionBytes: Math.round(perConnection(f.server?.connectedBytesDelta ?? 0)),
      trafficCpuPercent:
        f.server?.trafficCpuPercent === undefined || f.server.trafficCpuPercent === null
          ? null
          : round(f.server.trafficCpuPercent),
    },
    loadGenerator: { cpuPercent: round(Math.max(0, ...f.workerUtilization) * 100) },
    ...(f.runner ? { runner: f.runner } : {}),
    ...(f.cluster ? { cluster: f.cluster } : {}),
  };
}

/**
 * What reached the server from the clients. One server counts it itself. On a cluster, where each
 * message comes back to its sender (echo, fanout: the sender is in its room), the senders count it:
 * a message arrived once its effects were committed, whichever node processed it — a node that was
 * killed took its own counts with it, and one that processed a message whose effects never
 * committed (the adopting node processed it again) would count it twice.
 */
function upstreamReceived(f: RunFacts): ReceiveCounts {
  if (countsAtSenders(f)) return sumReceive(f.workers.map((w) => w.own ?? w.delivery));
  return f.server?.upstream ?? { received: 0, duplicated: 0, outOfOrder: 0 };
}

/** Deliveries owed to clients: on a cluster with client-driven traffic, from what the clients sent (a killed node's count died with it). */
function downstreamSent(f: RunFacts): number {
  if (countsAtSenders(f)) return f.workers.reduce((n, w) => n + (w.addressed ?? 0), 0);
  return f.server?.downstreamSent ?? 0;
}

function countsAtSenders(f: RunFacts): boolean {
  const echoed = f.plan.traffic.pattern === 'echo' || f.plan.traffic.pattern === 'fanout';
  return f.plan.cluster.nodes > 1 && echoed;
}

/** The primary latency (results.ts PRIMARY_LATENCY_ORDER) per second. */
export function latencyOverTime(f: Pick<RunFacts, 'server' | 'workers'>): RunResult['latencyOverTime'] {
  for (const metric of PRIMARY_LATENCY_ORDER) {
    const series = mergeSeries([f.server?.perSecond[metric], ...f.workers.map((w) => w.perSecond[metric])]);
    if (series.size === 0) continue;
    return [...series].map(([t, h]) => ({
      t: t * 1000,
      p50: h.getValueAtPercentile(50) / 1000,
      p99: h.getValueAtPercentile(99) / 1000,
      count: h.totalCount,
    }));
  }
  return [];
}

const round = (x: number) => Math.round(x * 100) / 100;
