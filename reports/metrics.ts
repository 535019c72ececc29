/**
 * The figures a report, a baseline comparison and a budget can name: one table, so the summary
 * table, `--baseline` and `--fail-if` always agree on what "latency.p99" means and which way is
 * better. Every metric reads one RunResult; null means the run has no such figure.
 */
import {
  HISTOGRAM_INFO,
  LATENCY_HISTOGRAMS,
  NEVER_CONNECTED,
  PRIMARY_LATENCY_ORDER,
  type HistogramSummary,
  type LatencyHistogram,
  type RunResult,
} from '../scenarios/results.js';

export type MetricUnit = 'ms' | 'bytes' | 'count' | 'percent';

export interface Metric {
  /** The name used in budgets and comparisons, e.g. "latency.p99". */
  name: string;
  label: string;
  unit: MetricUnit;
  better: 'lower' | 'higher';
  /** A change smaller than both of these is noise, not a regression. */
  tolerance: { relative: number; absolute: number };
  /**
   * Shown against a baseline, never judged: its change beyond noise is 'changed', not a regression
   * or an improvement (a max or p99.9 is a handful of samples; memory per connection is GC-noisy
   * and may be negative). Budgets still apply: they are explicit thresholds.
   */
  informational?: boolean;
  /** Another metric under a second name (latency.p99 is one of the histograms' p99): not listed twice. */
  alias?: boolean;
  /**
   * What the value is a figure of, when that can differ from run to run: two runs are ranked on this
   * metric (★, verdict) only when their bases are equal. latency.<stat> reads the run's primary
   * histogram (server→client for one run, round trip for another): the basis is that histogram.
   */
  basis?(run: RunResult): string | null;
  /**
   * How many samples the value rests on, and how many it needs to be ranked or judged: a percentile
   * with fewer than MIN_TAIL_SAMPLES samples beyond it (p99 of 400 samples rests on 4) is shown,
   * never ranked or flagged. Absent: no such limit.
   */
  samples?(run: RunResult): number | null;
  minSamples?: number;
  value(run: RunResult): number | null;
}

type HistogramName = LatencyHistogram;
type Stat = 'p50' | 'p90' | 'p99' | 'p999' | 'max' | 'mean';

/** The statistics of every histogram a metric can name: latency.<stat>, latency.<histogram>.<stat>. */
export const STATS: readonly Stat[] = ['p50', 'p90', 'p99', 'p999', 'max', 'mean'];
const STAT_LABEL: Record<Stat, string> = {
  p50: 'p50',
  p90: 'p90',
  p99: 'p99',
  p999: 'p99.9',
  max: 'max',
  mean: 'mean',
};

/**
 * Latency noise on a shared machine (CI runners, the 2-core development box): 25 % and at least
 * 0.5 ms. Scheduling hiccups of a few hundred µs move p50–p99 of sub-millisecond loopback runs by
 * more than 10 %; a real regression of a transport shows up well beyond this.
 */
const LATENCY_NOISE = { relative: 0.25, absolute: 0.5 };
/** CPU time of the server process per connection: 10 % and at least 0.1 ms. */
const CPU_NOISE = { relative: 0.1, absolute: 0.1 };
/**
 * Judged against a baseline: p50 and p99. Tail statistics (p99.9, max) rest on a few samples; p90 and
 * the mean move with p50 and p99, and judging them too would count one change several times (and
 * multiply the chances of a false alarm): all four are shown against a baseline, never flagged.
 */
const INFORMATIONAL_STATS: ReadonlySet<Stat> = new Set(['p90', 'mean', 'p999', 'max']);
/** Samples a percentile needs beyond it (or, for p50 and the mean, in all) before it is ranked or judged. */
const MIN_TAIL_SAMPLES = 5;
const MIN_SAMPLES: Record<Stat, number> = {
  p50: MIN_TAIL_SAMPLES,
  mean: MIN_TAIL_SAMPLES,
  p90: MIN_TAIL_SAMPLES * 10,
  p99: MIN_TAIL_SAMPLES * 100,
  p999: MIN_TAIL_SAMPLES * 1000,
  max: Infinity,
};
/** Byte counts are nearly deterministic: 1 % and at least 1 B. */
const BYTE_NOISE = { relative: 0.01, absolute: 1 };
/** Lost, duplicated, reordered: any increase counts. */
const EXACT = { relative: 0, absolute: 0 };

/** The latency a report leads with: the first of PRIMARY_LATENCY_ORDER with samples (results.ts). */
export function primaryLatency(run: RunResult): { name: HistogramName; histogram: HistogramSummary } | null {
  for (const name of PRIMARY_LATENCY_ORDER) {
    const histogram = run.latency[name];
    if (histogram && histogram.count > 0) return { name, histogram };
  }
  return null;
}

export function histogramLabel(name: HistogramName): string {
  return HISTOGRAM_INFO[name].label;
}

/** A Metric.basis for people: "round trip" for the histogram roundTrip. */
export function basisLabel(basis: string): string {
  return Object.hasOwn(HISTOGRAM_INFO, basis) ? HISTOGRAM_INFO[basis as HistogramName].label : basis;
}

/**
 * Clients that connected at some point in the run. RunResult has no count of its own: every client
 * host reports each client once in finalTransports, under the transport it ended on or under
 * NEVER_CONNECTED. Results without finalTransports counts (older files, synthetic fixtures) fall
 * back to the planned run.clients.
 */
export function connectedClients(run: RunResult): number {
  const counts = Object.entries(run.finalTransports);
  if (counts.length === 0) return run.clients;
  return counts.reduce((n, [name, count]) => (name === NEVER_CONNECTED ? n : n + count), 0);
}

const sumDelivery = (run: RunResult, key: 'lost' | 'duplicated' | 'outOfOrder') =>
  run.delivery.serverToClient[key] + run.delivery.clientToServer[key];

/** Per-message figures only mean something when messages were delivered. */
const perMessage = (run: RunResult, value: number) => (run.bytes.messages > 0 ? value : null);

const latencyMetrics: Metric[] = [
  ...STATS.map((stat): Metric => ({
    name: `latency.${stat}`,
    label: `latency ${STAT_LABEL[stat]}`,
    unit: 'ms',
    better: 'lower',
    tolerance: LATENCY_NOISE,
    informational: INFORMATIONAL_STATS.has(stat),
    alias: true,
    basis: (run) => primaryLatency(run)?.name ?? null,
    samples: (run) => primaryLatency(run)?.histogram.count ?? null,
    minSamples: MIN_SAMPLES[stat],
    value: (run) => primaryLatency(run)?.histogram[stat] ?? null,
  })),
  ...LATENCY_HISTOGRAMS.flatMap((histogram) =>
    STATS.map((stat): Metric => ({
      name: `latency.${histogram}.${stat}`,
      label: `${histogramLabel(histogram)} ${STAT_LABEL[stat]}`,
      unit: 'ms',
      better: 'lower',
      tolerance: LATENCY_NOISE,
      informational: INFORMATIONAL_STATS.has(stat),
      samples: (run) => run.latency[histogram]?.count ?? null,
      minSamples: MIN_SAMPLES[stat],
      value: (run) => {
        const h = run.latency[histogram];
        return h && h.count > 0 ? h[stat] : null;
      },
    })),
  ),
];

const otherMetrics: Metric[] = [
  {
    name: 'bytesPerMessage',
    label: 'bytes/message',
    unit: 'bytes',
    better: 'lower',
    tolerance: BYTE_NOISE,
    value: (run) => perMessage(run, run.bytes.perMessage),
  },
  {
    name: 'overheadPerMessage',
    label: 'overhead/message',
    unit: 'bytes',
    better: 'lower',
    tolerance: BYTE_NOISE,
    value: (run) => perMessage(run, run.bytes.overheadPerMessage),
  },
  {
    // What keeping one client connected costs per hour at this scenario's traffic: the keepalive cost
    // for a mostly idle scenario (notifications), the bandwidth bill for a busy one.
    name: 'bytesPerClientHour',
    label: 'wire bytes per client-hour (handshakes excluded)',
    unit: 'bytes',
    better: 'lower',
    tolerance: BYTE_NOISE,
    // Per client that connected (connectedClients), not per planned client: a partial run where
    // half the clients never got through must not halve the figure.
    value: (run) => {
      const { upstream: up, downstream: down } = run.bytes;
      const clients = connectedClients(run);
      if (clients <= 0 || run.durationMs <= 0) return null;
      return Math.round(
        (up.total + down.total - up.handshake - down.handshake) / clients / (run.durationMs / 3_600_000),
      );
    },
  },
  {
    name: 'bytes.total',
    label: 'wire bytes',
    unit: 'bytes',
    better: 'lower',
    tolerance: BYTE_NOISE,
    value: (run) => run.bytes.upstream.total + run.bytes.downstream.total,
  },
  {
    name: 'messages',
    label: 'messages delivered',
    unit: 'count',
    better: 'higher',
    tolerance: { relative: 0.01, absolute: 0 },
    value: (run) => run.bytes.messages,
  },
  ...(['lost', 'duplicated', 'outOfOrder'] as const).map((key): Metric => ({
    name: key,
    label: key === 'outOfOrder' ? 'out of order' : key,
    unit: 'count',
    better: 'lower',
    tolerance: EXACT,
    value: (run) => (run.status === 'failed' && run.bytes.messages === 0 ? null : sumDelivery(run, key)),
  })),
  {
    name: 'cpuMsPerConnection',
    label: 'server CPU/connection',
    unit: 'ms',
    better: 'lower',
    tolerance: CPU_NOISE,
    value: (run) => run.server.cpuMsPerConnection,
  },
  {
    name: 'memoryPerConnection',
    label: 'server memory/connection',
    unit: 'bytes',
    better: 'lower',
    tolerance: { relative: 0.1, absolute: 1024 },
    informational: true, // growth of live memory after GC, per connection: GC-noisy, can be negative
    value: (run) => run.server.memoryPerConnectionBytes,
  },
  {
    name: 'loadGeneratorCpu',
    label: 'load generator CPU',
    unit: 'percent',
    better: 'lower',
    tolerance: { relative: 0.1, absolute: 5 },
    informational: true, // the harness's, not the transport's (its saturation invalidates a run: validity.ts)
    value: (run) => run.loadGenerator.cpuPercent,
  },
];

export const METRICS: readonly Metric[] = [...latencyMetrics, ...otherMetrics];

const BY_NAME = new Map(METRICS.map((metric) => [metric.name, metric]));

/** Shorter names people will type: connect.p99 = latency.connect.p99, and so on. */
for (const histogram of LATENCY_HISTOGRAMS) {
  for (const stat of STATS) BY_NAME.set(`${histogram}.${stat}`, BY_NAME.get(`latency.${histogram}.${stat}`)!);
}

export function findMetric(name: string): Metric | undefined {
  return BY_NAME.get(name);
}

/** The figures of the summary tables, in column order. */
export const KEY_METRICS: readonly Metric[] = [
  'latency.p50',
  'latency.p99',
  'latency.connect.p50',
  'latency.firstMessage.p50',
  'bytesPerMessage',
  'overheadPerMessage',
  'bytesPerClientHour',
  'lost',
  'duplicated',
  'outOfOrder',
  'cpuMsPerConnection',
  'memoryPerConnection',
].map((name) => findMetric(name)!);

/** Does the value rest on enough samples to be ranked or judged (Metric.minSamples)? */
export function isJudgeable(metric: Metric, run: RunResult): boolean {
  if (metric.minSamples === undefined || !metric.samples) return true;
  return (metric.samples(run) ?? 0) >= metric.minSamples;
}

/** Is `a` better than `b` for this metric? */
export function isBetter(metric: Metric, a: number, b: number): boolean {
  return metric.better === 'lower' ? a < b : a > b;
}

const SHORT_LABELS: Record<string, string> = {
  'latency.p50': 'p50',
  'latency.p99': 'p99',
  'latency.connect.p50': 'connect p50',
  'latency.firstMessage.p50': 'first msg p50',
  bytesPerMessage: 'bytes/msg',
  overheadPerMessage: 'overhead/msg',
  bytesPerClientHour: 'B/client·h',
  lost: 'lost',
  duplicated: 'dup',
  outOfOrder: 'reordered',
  cpuMsPerConnection: 'CPU/conn',
  memoryPerConnection: 'mem/conn',
};

/** Column heading for narrow tables. */
export function shortLabel(metric: Metric): string {
  return SHORT_LABELS[metric.name] ?? metric.label;
}
