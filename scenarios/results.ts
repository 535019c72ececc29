/**
 * The results file: what the scenario runner writes and the reports read. It is the only thing that
 * crosses from scenarios/ to reports/. Bump RESULTS_SCHEMA_VERSION on any incompatible change.
 *
 * Units: milliseconds for time (fractional allowed), bytes for sizes, bytes/second for bandwidth.
 */
export const RESULTS_SCHEMA_VERSION = 1;

/** What was measured: our transports, our fallback client, and the peers. */
export const CONTENDERS = [
  'websocket',
  'sse',
  'long-polling',
  'auto', // our client with its default fallback list
  'socketio', // Socket.IO default: polling first, then upgrade
  'socketio-websocket', // Socket.IO, transports: ['websocket']
  'socketio-polling', // Socket.IO, transports: ['polling']
  'raw-ws', // plain ws, no envelope: the floor
] as const;
export type Contender = (typeof CONTENDERS)[number];

/** The finalTransports key of clients that never opened a connection. */
export const NEVER_CONNECTED = 'never-connected';

export interface ResultsFile {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  createdAt: string; // ISO 8601
  environment: Environment;
  runs: RunResult[];
}

export interface Environment {
  node: string;
  os: string; // e.g. "linux 6.1.0 x64"
  cpu: string; // model
  cores: number;
  memoryBytes: number;
  commit: string | null;
  packages: Record<string, string>; // name → installed version (ws, socket.io, eventsource, …)
  tool: string; // transport-lab version
}

/** The browser behind a browser-mode run (clientMode 'browser'). Optional: added in schema 1. */
export interface BrowserInfo {
  name: string; // "Chromium 156.0.8078.79"
  userAgent: string; // what the pages sent
  /**
   * Page clocks against the runner's: the largest estimated offset, the largest uncertainty of an
   * estimate, and how many pages were corrected (offset beyond its uncertainty; the rest read the
   * same system clock within the estimate's resolution and are taken as is).
   */
  clock: { maxOffsetMs: number; maxUncertaintyMs: number; correctedPages: number } | null;
  /**
   * CPU over the traffic phase, % of one core: the busiest Chromium process (also in
   * loadGenerator.cpuPercent), all Chromium processes together, and the runner's thread (relay to
   * the pages, plus the proxy).
   */
  cpu: { busiestProcess: string; busiestPercent: number; chromiumPercent: number; runnerThreadPercent: number } | null;
  /** Console and page errors in the pages (expected: none). */
  pageErrors: string[];
}

export interface HistogramSummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /** Percentile curve for charts: [percentile (0–100), value] pairs, ascending, ≤ 64 points. */
  curve: Array<[number, number]>;
}

export interface DeliveryCounts {
  sent: number;
  received: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
}

/**
 * Wire bytes of one direction, counted at the TCP socket, split by what they carried.
 * The categories add up to `total` exactly: total = handshake + httpHeaders + framing + envelope
 * + control + payload.
 */
export interface ByteBreakdown {
  total: number;
  handshake: number; // upgrade request/response, first response headers of a stream
  httpHeaders: number; // per-request HTTP heads (long-polling, POST upstream)
  framing: number; // WebSocket frame headers, SSE "data:" lines, chunked-encoding lines, batch prefixes
  envelope: number; // our seq/ack/kind bytes; for Socket.IO its packet wrapper (`42["event",` … `]`); 0 for raw ws
  control: number; // heartbeats, acks, hello, probes
  payload: number; // the application's bytes as the application sees them
}

export interface RunResult {
  scenario: string;
  description: string;
  params: Record<string, unknown>; // the scenario's resolved parameters
  contender: Contender;
  network: { name: string; rttMs: number; jitterMs: number; bandwidthKbps: number | null };
  middlebox: string | null;
  /** Who the clients were: Node clients (worker threads) or headless Chromium pages. */
  clientMode: 'node' | 'browser';
  /** Browser runs only: which browser, what it sent, how its clock and CPU were read. */
  browser?: BrowserInfo;
  clients: number;
  startedAt: string;
  durationMs: number;
  status: 'ok' | 'failed' | 'partial';
  error?: string;
  /** The transport each client ended on (for auto / socketio): name → client count; clients that never opened count under NEVER_CONNECTED. */
  finalTransports: Record<string, number>;

  latency: {
    serverToClient: HistogramSummary | null; // one-way, same clock
    clientToServer: HistogramSummary | null;
    roundTrip: HistogramSummary | null;
    connect: HistogramSummary | null; // connect() until open
    firstMessage: HistogramSummary | null; // connect() until the first application message
    reconnectGap: HistogramSummary | null; // connection lost until resumed
  };
  /** Per-second buckets of server→client (or round-trip when that is all there is) latency. */
  latencyOverTime: Array<{ t: number; p50: number; p99: number; count: number }>;
  delivery: { serverToClient: DeliveryCounts; clientToServer: DeliveryCounts };

  bytes: {
    upstream: ByteBreakdown; // client → server
    downstream: ByteBreakdown; // server → client
    messages: number; // application messages delivered (both directions)
    perMessage: number; // (upstream.total + downstream.total) / messages
    overheadPerMessage: number; // (total − payload) / messages
  };
  /** Wire bandwidth per second, all clients together. */
  bandwidth: Array<{ t: number; upBytesPerSec: number; downBytesPerSec: number }>;
  /** Fallbacks, reconnects, session losses, cuts by the middlebox; t = ms since run start. */
  events: Array<{ t: number; type: string; detail: string }>;

  server: {
    cpuUserMs: number;
    cpuSystemMs: number;
    cpuMsPerConnection: number;
    rssBytes: number;
    heapUsedBytes: number;
    memoryPerConnectionBytes: number;
  };
  loadGenerator: { cpuPercent: number }; // of one core; near 100 per worker (browser: per Chromium process) means the run is saturated
}
