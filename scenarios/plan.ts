/**
 * A run plan: one (scenario × contender × network × middlebox × variant) as plain data, handed to
 * the server process and every worker. `expandScenario` is the only place the matrix is built.
 */
import type { BalancerMode, NodeFault, Scenario } from './define.js';
import type { PayloadKind } from './workload.js';
import { hasBrowserClient, type Contender } from './contenders.js';

export interface RunPlan {
  scenario: string;
  description: string;
  contender: Contender;
  network: string;
  middlebox: string | null;
  clients: number;
  /**
   * Who the clients are: Node clients in load-generator processes (default), or pages in headless Chromium
   * driven from the runner's thread (engine/browser/worker.ts). Contenders without a browser client
   * (raw-ws) are left out of browser plans by expandScenario.
   */
  clientMode?: ClientMode;
  rampMs: number;
  /**
   * The traffic phase starts with this warm-up: its messages are delivered, counted and metered,
   * but not timed (the first messages of a process pay for compiling its code). See warmUpFor.
   */
  warmUpMs: number;
  /** Traffic phase length after the warm-up; with `messages` the run may end sooner. */
  durationMs: number;
  messages: number | null;
  payload: { bytes: number; kind: PayloadKind };
  traffic: Scenario['traffic'];
  strategy: 'fallback' | 'upgrade';
  /** Compression on every transport (permessage-deflate, gzip/brotli on HTTP answers). */
  compression: boolean;
  /**
   * Deployment: over TLS 1.3 (https:, wss:; a throwaway certificate per run), and the HTTP version
   * the HTTP transports may use ('2' with tls only: ALPN offers h2, WebSocket stays on the HTTP/1.1
   * upgrade). Absent: plain HTTP/1.1.
   */
  tls?: boolean;
  http?: HttpVersion;
  heartbeatMs: number | null;
  throughput: Scenario['throughput'] | null;
  /**
   * Human label of the variant within the scenario, e.g. "256 KB, compression on, https, upgrade"; null when
   * none. `workload` is its part that changes what is sent (payload size, compression): runs with
   * different workloads are different comparisons; the auto client's strategy is not part of it.
   */
  variant: string | null;
  workload: string | null;
  /** Test only: deliberate delivery faults, to prove the accounting catches them. */
  faults?: Faults;
  /** Server processes and what joins them (one node in memory unless a cluster is asked for). */
  cluster: ClusterPlan;
  /**
   * Every client's connect timeout (ClientOptions.connectTimeoutMs), set by the runner for a large
   * run (engine/scale.ts) or by `run --connect-timeout`; absent: each client's own default.
   */
  connectTimeoutMs?: number;
}

export interface ClusterPlan {
  nodes: number;
  /** null for one node: clients reach it directly (through the network proxy). */
  balancer: BalancerMode | null;
  backplane: 'memory' | 'redis';
  faults: NodeFault[];
}

/**
 * Sequence numbers to mishandle on purpose. Downstream faults apply to the server's own stream
 * (push/broadcast) for every recipient; upstream faults to every client's stream. `drop`: counted
 * as sent, never sent; `duplicate`: sent twice; `delay`: held back and sent after the next one;
 * `holdMs`: every message held that long before it is sent (an injected latency regression).
 */
export interface Faults {
  downstream?: { drop?: number[]; duplicate?: number[]; delay?: number[]; holdMs?: number };
  upstream?: { drop?: number[]; duplicate?: number[]; delay?: number[]; holdMs?: number };
}

export type HttpVersion = '1.1' | '2';

export interface Overrides {
  contenders?: Contender[];
  networks?: string[];
  middleboxes?: Array<string | null>;
  clients?: number;
  /** 'browser': the clients are headless Chromium pages; contenders without a browser client are left out. */
  clientMode?: ClientMode;
  durationMs?: number;
  /** The warm-up (RunPlan.warmUpMs) instead of warmUpFor's. */
  warmUpMs?: number;
  /** Deployment dimensions (each value is one run): TLS on/off, HTTP version, compression on/off. */
  tls?: boolean[];
  http?: HttpVersion[];
  compression?: boolean[];
  nodes?: number[];
  balancers?: BalancerMode[];
  backplanes?: Array<'memory' | 'redis'>;
  nodeFaults?: NodeFault[];
}

export type ClientMode = 'node' | 'browser';

/** When a scenario gives only a message count, the traffic phase is capped at this. */
const MESSAGES_ONLY_CAP_MS = 60_000;

/**
 * The warm-up: long enough for every sender's first message — one interval at the slowest rate
 * (a client's stream starts at a random phase within one interval, at most 1 s) — and at least
 * 300 ms, at most 1 s. Measured: the first message of a run took 15.7–47.7 ms where the rest took
 * 1.5–3 ms. The throughput climb has its own steps and no warm-up.
 */
export function warmUpFor(s: Pick<Scenario, 'traffic' | 'throughput'>): number {
  if (s.throughput) return 0;
  const slowest = Math.min(s.traffic.rate, s.traffic.upstreamRate ?? Infinity);
  return Math.round(Math.min(1000, Math.max(300, 1000 / slowest)));
}

export function expandScenario(s: Scenario, o: Overrides = {}): RunPlan[] {
  const plans: RunPlan[] = [];
  const compressions = o.compression ?? s.compression;
  const deployments = deploymentsOf(o.tls ?? s.tls, o.http ?? s.http);
  // Browser plans leave out contenders without a browser client (raw-ws); the CLI says so.
  const browser = o.clientMode === 'browser';
  const durationMs =
    o.durationMs ??
    s.duration ??
    (s.throughput ? 1000 + s.throughput.maxSteps * s.throughput.stepMs : MESSAGES_ONLY_CAP_MS);
  for (const network of o.networks ?? s.network)
    for (const middlebox of o.middleboxes ?? s.middlebox)
      for (const contender of (o.contenders ?? s.contenders).filter((c) => !browser || hasBrowserClient(c)))
        for (const cluster of clusterPlans(s, o))
          for (const bytes of s.payload.bytes)
            for (const compression of compressions)
              for (const { tls, http } of deployments)
                for (const strategy of contender === 'auto' ? s.strategy : [s.strategy[0]]) {
                  const workload = [
                    s.payload.bytes.length > 1 ? formatBytes(bytes) : null,
                    compressions.length > 1 ? `compression ${compression ? 'on' : 'off'}` : null,
                  ].filter(Boolean);
                  // The deployment names the run beside the contender ("sse (https, HTTP/2)"), so one
                  // comparison holds HTTP/1.1 and HTTP/2 side by side.
                  const labels = [
                    ...workload,
                    tls ? deploymentLabel(http) : null,
                    contender === 'auto' && s.strategy.length > 1 ? strategy : null,
                    clusterLabel(cluster, s, o),
                  ].filter(Boolean);
                  plans.push({
                    scenario: s.name,
                    description: s.description,
                    contender,
                    network,
                    middlebox,
                    clients: o.clients ?? s.clients.count,
                    ...(browser ? { clientMode: 'browser' as const } : {}),
                    rampMs: s.clients.rampMs,
                    warmUpMs: o.warmUpMs ?? warmUpFor(s),
                    durationMs,
                    messages: s.messages ?? null,
                    payload: { bytes, kind: s.payload.kind },
                    traffic: s.traffic,
                    strategy,
                    compression,
                    tls,
                    http,
                    heartbeatMs: s.heartbeatMs ?? null,
                    throughput: s.throughput ?? null,
                    variant: labels.length ? labels.join(', ') : null,
                    workload: workload.length ? workload.join(', ') : null,
                    cluster,
                  });
                }
  return plans;
}

/** TLS × HTTP version, HTTP/2 only over TLS (what browsers speak); plain HTTP/2 (h2c) is left out. */
function deploymentsOf(tlsValues: boolean[], httpValues: HttpVersion[]): Array<{ tls: boolean; http: HttpVersion }> {
  const out = tlsValues.flatMap((tls) =>
    (tls ? httpValues : httpValues.filter((h) => h === '1.1')).map((http) => ({ tls, http })),
  );
  if (out.length === 0) throw new Error('HTTP/2 runs need TLS: add tls (--tls), or include HTTP/1.1');
  return out;
}

export const deploymentLabel = (http: HttpVersion): string => (http === '2' ? 'https, HTTP/2' : 'https');

/** Every (nodes × balancer × backplane) a scenario asks for; faults only where the node exists. */
function clusterPlans(s: Scenario, o: Overrides): ClusterPlan[] {
  const plans: ClusterPlan[] = [];
  for (const nodes of o.nodes ?? s.nodes)
    for (const balancer of nodes > 1 ? (o.balancers ?? s.balancer) : [null])
      for (const backplane of o.backplanes ?? s.backplane ?? [nodes > 1 ? 'redis' : 'memory']) {
        if (backplane === 'memory' && nodes > 1) continue;
        const faults = nodes > 1 ? (o.nodeFaults ?? s.nodeFaults).filter((f) => f.node < nodes) : [];
        plans.push({ nodes, balancer, backplane, faults });
      }
  return plans;
}

/** "3 nodes, sticky, kill-node 1@4s": what tells the cluster variants of one scenario apart. */
function clusterLabel(c: ClusterPlan, s: Scenario, o: Overrides): string | null {
  const nodeCounts = o.nodes ?? s.nodes;
  if (nodeCounts.length === 1 && nodeCounts[0] === 1 && c.backplane === 'memory' && !(o.backplanes ?? s.backplane))
    return null;
  const parts = [c.nodes === 1 ? '1 node' : `${c.nodes} nodes`];
  if (c.balancer && (o.balancers ?? s.balancer).length > 1) parts.push(c.balancer);
  if ((o.backplanes ?? s.backplane ?? []).length > 1 || (c.nodes === 1 && c.backplane === 'redis'))
    parts.push(c.backplane);
  for (const f of c.faults) parts.push(`${f.type} ${f.node}@${f.at / 1000}s`);
  return parts.join(', ');
}

/** The resolved parameters recorded with each result. */
export function planParams(plan: RunPlan): Record<string, unknown> {
  // The client mode has its own field in the result (RunResult.clientMode).
  const { scenario: _s, description: _d, contender: _c, network: _n, middlebox: _m, clientMode: _k, ...params } = plan;
  return params;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} B`;
}

/** What a running plan reports as it goes. */
export interface RunProgress {
  phase: 'connect' | 'traffic' | 'drain' | 'done';
  /** Traffic phase: ms elapsed and planned. */
  elapsedMs: number;
  totalMs: number;
}

/** One entry of a suite: a scenario, what to override in it, and how many repeats it allows. */
export interface SuiteEntry {
  scenario: Scenario;
  overrides?: Overrides;
  /**
   * At most this many runs of each of its plans, whatever `--repeat` asks (e.g. 1 where the finding
   * is whether something comes through at all, and one run says it).
   */
  maxRepeat?: number;
}
