/**
 * The results file: what the scenario runner writes and the reports read. It is the only thing that
 * crosses from scenarios/ to reports/. This zod schema is the contract; the types are inferred from
 * it and reports/load.ts validates files with it. Bump RESULTS_SCHEMA_VERSION on an incompatible
 * change only (a field removed or changed in meaning); a new optional field keeps old files valid.
 *
 * Units: milliseconds for time (fractional allowed), bytes for sizes, bytes/second for bandwidth.
 */
import { z } from 'zod';
import { CONTENDERS } from './contenders.js';

export const RESULTS_SCHEMA_VERSION = 1;

/** The finalTransports key of clients that never opened a connection. */
export const NEVER_CONNECTED = 'never-connected';

/**
 * The latency histograms of a run, in report order. `message` histograms time application
 * messages; `connection` histograms time a connection's life (connect, first message, reconnect).
 */
export const LATENCY_HISTOGRAMS = [
  'serverToClient',
  'clientToServer',
  'roundTrip',
  'connect',
  'firstMessage',
  'reconnectGap',
] as const;
export type LatencyHistogram = (typeof LATENCY_HISTOGRAMS)[number];

export const HISTOGRAM_INFO: Readonly<Record<LatencyHistogram, { label: string; kind: 'message' | 'connection' }>> = {
  serverToClient: { label: 'server→client', kind: 'message' }, // one-way, same clock
  clientToServer: { label: 'client→server', kind: 'message' },
  roundTrip: { label: 'round trip', kind: 'message' },
  connect: { label: 'connect', kind: 'connection' }, // connect() until open
  firstMessage: { label: 'first message', kind: 'connection' }, // connect() until the first application message
  reconnectGap: { label: 'reconnect gap', kind: 'connection' }, // connection lost until resumed
};

/**
 * The latency a run leads with (RunResult.latencyOverTime, the reports' latency.<stat>): the first
 * of these that has samples. Server→client one-way; round trip when that is all there is.
 */
export const PRIMARY_LATENCY_ORDER = ['serverToClient', 'roundTrip', 'clientToServer'] as const;

const nonNegative = z.number().finite().nonnegative();
const ms = nonNegative;
const bytes = nonNegative;

export const histogramSummarySchema = z.object({
  count: nonNegative,
  min: ms,
  mean: ms,
  p50: ms,
  p90: ms,
  p99: ms,
  p999: ms,
  max: ms,
  /** Percentile curve for charts: [percentile (0–100), value] pairs, ascending, ≤ 64 points. */
  curve: z.array(z.tuple([z.number().min(0).max(100), ms])).max(64),
});

/** Every histogram of LATENCY_HISTOGRAMS; null when it has no samples. Unknown keys are dropped, as elsewhere. */
const latencySchema = z.object(
  Object.fromEntries(LATENCY_HISTOGRAMS.map((name) => [name, histogramSummarySchema.nullable()])) as {
    [K in LatencyHistogram]: z.ZodNullable<typeof histogramSummarySchema>;
  },
);

const deliveryCountsSchema = z.object({
  sent: nonNegative,
  received: nonNegative,
  lost: nonNegative,
  duplicated: nonNegative,
  outOfOrder: nonNegative,
});

/** The parts of a direction's wire bytes, in the order they add up to its total. */
export const BYTE_CATEGORIES = [
  'tls',
  'handshake',
  'httpHeaders',
  'framing',
  'envelope',
  'control',
  'payload',
] as const;

/**
 * HTTP/2's own bytes by frame type (meter/http2.ts), beside the categories (not added to them):
 * `headers` = HEADERS and CONTINUATION frames whole (HPACK-compressed heads; in the categories as
 * handshake or httpHeaders), `data` = DATA frames' 9-byte headers and padding (their content is in
 * the body categories), `settings`, `windowUpdate`, `ping` and `other` (PRIORITY, RST_STREAM,
 * GOAWAY, PUSH_PROMISE, the client's 24-byte connection preface) whole; all but `headers` are
 * `framing` in the categories.
 */
export const HTTP2_FRAME_CATEGORIES = ['headers', 'data', 'settings', 'windowUpdate', 'ping', 'other'] as const;
export const http2FramesSchema = z.object(
  Object.fromEntries(HTTP2_FRAME_CATEGORIES.map((k) => [k, bytes])) as Record<
    (typeof HTTP2_FRAME_CATEGORIES)[number],
    typeof bytes
  >,
);
export type Http2Frames = z.infer<typeof http2FramesSchema>;

/**
 * Wire bytes of one direction, counted at the TCP socket, split by what they carried. The
 * categories add up to `total` exactly.
 */
export const byteBreakdownSchema = z
  .object({
    total: bytes,
    // TLS record headers, AEAD tags and content types, handshake records, alerts (meter/tls.ts); 0 without TLS
    tls: bytes.default(0),
    handshake: bytes, // upgrade request/response, first response headers of a stream
    httpHeaders: bytes, // per-request HTTP heads (long-polling, POST upstream)
    framing: bytes, // WebSocket frame headers, SSE "data:" lines, chunked-encoding lines, batch prefixes
    envelope: bytes, // our seq/ack/kind bytes; Socket.IO's packet wrapper (`42["event",` … `]`); 0 for raw ws
    control: bytes, // heartbeats, acks, hello, probes
    payload: bytes, // the application's bytes as the application sees them
    http2: http2FramesSchema.optional(), // HTTP/2 connections only: their frames by type (see above)
  })
  .refine((b) => BYTE_CATEGORIES.reduce((sum, key) => sum + b[key], 0) === b.total, {
    message: `byte categories do not add up to total (${BYTE_CATEGORIES.join(' + ')})`,
  });

/** The browser behind a browser-mode run (clientMode 'browser'). Optional: added in schema 1. */
const browserInfoSchema = z.object({
  name: z.string(), // "Chromium 156.0.8078.79"
  userAgent: z.string(), // what the pages sent
  /**
   * Page clocks against the runner's: the largest estimated offset, the largest uncertainty of an
   * estimate, and how many pages were corrected (offset beyond its uncertainty; the rest read the
   * same system clock within the estimate's resolution and are taken as is).
   */
  clock: z.object({ maxOffsetMs: nonNegative, maxUncertaintyMs: nonNegative, correctedPages: nonNegative }).nullable(),
  /**
   * CPU over the traffic phase, % of one core: the busiest Chromium process (also in
   * loadGenerator.cpuPercent), all Chromium processes together, and the runner's thread (relay to
   * the pages, plus the proxy).
   */
  cpu: z
    .object({
      busiestProcess: z.string(),
      busiestPercent: nonNegative,
      chromiumPercent: nonNegative,
      runnerThreadPercent: nonNegative,
    })
    .nullable(),
  /** Console and page errors in the pages (expected: none). */
  pageErrors: z.array(z.string()),
});

/** A cluster run: its nodes, balancer and backplane, and each node's share. Optional: added in schema 1. */
const clusterInfoSchema = z.object({
  nodes: nonNegative,
  balancer: z.object({ mode: z.string(), software: z.string() }).nullable(),
  backplane: z.object({ kind: z.string(), software: z.string().nullable() }),
  perNode: z.array(
    z.object({
      node: z.string(),
      /** Sessions it announced: opened there, and taken over from another node. */
      opened: nonNegative,
      adopted: nonNegative,
      upstreamReceived: nonNegative,
      downstreamSent: nonNegative,
      cpuMs: ms,
      /** Requests it refused, by reason (Socket.IO: "Session ID unknown" behind a balancer without affinity). */
      refusals: z.record(z.string(), nonNegative).default({}),
      /** ms since run start; null when it did not happen. */
      killedAtMs: ms.nullable(),
      restartedAtMs: ms.nullable(),
    }),
  ),
  faults: z.array(z.object({ type: z.string(), node: nonNegative, atMs: ms })),
  /** Calls per Redis command over the run (INFO commandstats, read every 500 ms): the backplane's cost. */
  redisCalls: z.record(z.string(), nonNegative).optional(),
});

export const runResultSchema = z.object({
  scenario: z.string().min(1),
  description: z.string(),
  params: z.record(z.string(), z.unknown()), // the scenario's resolved parameters
  contender: z.enum(CONTENDERS),
  network: z.object({ name: z.string(), rttMs: ms, jitterMs: ms, bandwidthKbps: nonNegative.nullable() }),
  middlebox: z.string().nullable(),
  /** Who the clients were: Node clients (worker threads) or headless Chromium pages. */
  clientMode: z.enum(['node', 'browser']),
  /** Browser runs only: which browser, what it sent, how its clock and CPU were read. */
  browser: browserInfoSchema.optional(),
  clients: nonNegative,
  /** Which of the repeated runs of the same plan this is (`run --repeat N`), from 0. Absent: run once. */
  repeat: z.number().int().nonnegative().optional(),
  startedAt: z.string(),
  /** The traffic phase, warm-up included (params.warmUpMs: its first part, whose messages are not timed). */
  durationMs: ms,
  status: z.enum(['ok', 'failed', 'partial']),
  error: z.string().optional(),
  /** The transport each client ended on: name → client count; clients that never opened count under NEVER_CONNECTED. */
  finalTransports: z.record(z.string(), nonNegative),
  latency: latencySchema,
  /** Per-second buckets of the primary latency (PRIMARY_LATENCY_ORDER). */
  latencyOverTime: z.array(z.object({ t: ms, p50: ms, p99: ms, count: nonNegative })),
  delivery: z.object({ serverToClient: deliveryCountsSchema, clientToServer: deliveryCountsSchema }),
  bytes: z.object({
    upstream: byteBreakdownSchema, // client → server
    downstream: byteBreakdownSchema, // server → client
    messages: nonNegative, // application messages delivered (both directions)
    perMessage: nonNegative, // (upstream.total + downstream.total) / messages
    overheadPerMessage: nonNegative, // (total − payload) / messages
    connections: nonNegative.optional(), // TCP connections opened through the proxy (each paid a handshake)
    requests: nonNegative.optional(), // HTTP requests other than stream setups (polls, POSTs)
  }),
  /** Wire bandwidth per second, all clients together. */
  bandwidth: z.array(z.object({ t: ms, upBytesPerSec: nonNegative, downBytesPerSec: nonNegative })),
  /** Fallbacks, reconnects, session losses, cuts by the middlebox; t = ms since run start. */
  events: z.array(z.object({ t: ms, type: z.string(), detail: z.string() })),
  server: z.object({
    cpuUserMs: ms,
    cpuSystemMs: ms,
    cpuMsPerConnection: ms,
    rssBytes: bytes,
    heapUsedBytes: bytes,
    memoryPerConnectionBytes: z.number().finite(), // growth can be negative when the GC ran
    /** Server CPU time over the traffic phase ÷ its wall time, % of one core (saturation check). */
    trafficCpuPercent: nonNegative.nullable().optional(),
  }),
  /** % of one core; near 100 per worker (browser: per Chromium process) means the run is saturated. */
  loadGenerator: z.object({ cpuPercent: nonNegative }),
  /**
   * The measuring machinery's own CPU over the connect and traffic phases, % of one core: the
   * runner process (which only coordinates) and the proxy processes together (null: the proxy ran
   * in the runner's thread). High figures mean the run measured its own bottleneck.
   */
  runner: z.object({ cpuPercent: nonNegative, proxyCpuPercent: nonNegative.nullable() }).optional(),
  /** Cluster runs only (several nodes, or one node on Redis). */
  cluster: clusterInfoSchema.optional(),
});

const environmentSchema = z.object({
  node: z.string(),
  os: z.string(), // e.g. "linux 6.1.0 x64"
  cpu: z.string(), // model
  cores: nonNegative,
  memoryBytes: bytes,
  commit: z.string().nullable(),
  packages: z.record(z.string(), z.string()), // name → installed version (ws, socket.io, eventsource, …)
  tool: z.string(), // transport-lab version
});

/**
 * What the runs were asked to decide (`transport-lab advise`): the workload as given, and what the
 * decision's costs are for (reports/decide.ts). Absent: the reports decide with their defaults.
 */
const decisionSchema = z.object({
  clients: z.number().int().positive(),
  pricePerGB: nonNegative,
  restrictiveProxies: z.boolean(),
  workload: z.record(z.string(), z.unknown()).optional(),
});

export const resultsFileSchema = z.object({
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  createdAt: z.string(), // ISO 8601
  environment: environmentSchema,
  decision: decisionSchema.optional(),
  runs: z.array(runResultSchema),
});

export type ResultsFile = z.infer<typeof resultsFileSchema>;
export type RunResult = z.infer<typeof runResultSchema>;
export type Environment = z.infer<typeof environmentSchema>;
export type DecisionInput = z.infer<typeof decisionSchema>;
export type BrowserInfo = z.infer<typeof browserInfoSchema>;
export type ClusterInfo = z.infer<typeof clusterInfoSchema>;
export type HistogramSummary = z.infer<typeof histogramSummarySchema>;
export type DeliveryCounts = z.infer<typeof deliveryCountsSchema>;
export type ByteBreakdown = z.infer<typeof byteBreakdownSchema>;
export type { Contender } from './contenders.js';
