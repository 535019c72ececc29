/**
 * The figures a report, a baseline comparison and a budget can name: one table, so the summary
 * table, `--baseline` and `--fail-if` always agree on what "latency.p99" means and which way is
 * better. Every metric reads one RunResult; null means the run has no such figure.
 */
import type { HistogramSummary, RunResult } from '../scenarios/results.js';

export type MetricUnit = 'ms' | 'bytes' | 'count' | 'percent';

export interface Metric {
  /** The name used in budgets and comparisons, e.g. "latency.p99". */
  name: string;
  label: string;
  unit: MetricUnit;
  better: 'lower' | 'higher';
  /** A change smaller than both of these is noise, not a regression. */
  tolerance: { relative: number; absolute: number };
  /** Another metric under a second name (latency.p99 is one of the histograms' p99): not listed twice. */
  alias?: boolean;
  value(run: RunResult): number | null;
}

type HistogramName = keyof RunResult['latency'];
type Stat = 'p50' | 'p90' | 'p99' | 'p999' | 'max' | 'mean';

const HISTOGRAMS: Array<[HistogramName, string]> = [
  ['serverToClient', 'server→client'],
  ['clientToServer', 'client→server'],
  ['roundTrip', 'round trip'],
  ['connect', 'connect'],
  ['firstMessage', 'first message'],
  ['reconnectGap', 'reconnect gap'],
];
const STATS: Stat[] = ['p50', 'p90', 'p99', 'p999', 'max', 'mean'];
const STAT_LABEL: Record<Stat, string> = { p50: 'p50', p90: 'p90', p99: 'p99', p999: 'p99.9', max: 'max', mean: 'mean' };

/** Timing noise: 10 % and at least 0.1 ms. */
const TIME_NOISE = { relative: 0.1, absolute: 0.1 };
/** Byte counts are nearly deterministic: 1 % and at least 1 B. */
const BYTE_NOISE = { relative: 0.01, absolute: 1 };
/** Lost, duplicated, reordered: any increase counts. */
const EXACT = { relative: 0, absolute: 0 };

/**
 * The latency a report leads with: one-way server→client; round trip when that is all there is
 * (same rule as RunResult.latencyOverTime); else client→server.
 */
export function primaryLatency(run: RunResult): { name: HistogramName; histogram: HistogramSummary } | null {
  for (const name of ['serverToClient', 'roundTrip', 'clientToServer'] as const) {
    const histogram = run.latency[name];
    if (histogram && histogram.count > 0) return { name, histogram };
  }
  return null;
}

export function histogramLabel(name: HistogramName): string {
  return HISTOGRAMS.find(([key]) => key === name)![1];
}

const sumDelivery = (run: RunResult, key: 'lost' | 'duplicated' | 'outOfOrder') =>
  run.delivery.serverToClient[key] + run.delivery.clientToServer[key];

/** Per-message figures only mean something when messages were delivered. */
const perMessage = (run: RunResult, value: number) => (run.bytes.messages > 0 ? value : null);

const latencyMetrics: Metric[] = [
  ...STATS.map(
    (stat): Metric => ({
      name: `latency.${stat}`,
      label: `latency ${STAT_LABEL[stat]}`,
      unit: 'ms',
      better: 'lower',
      tolerance: TIME_NOISE,
      alias: true,
      value: (run) => primaryLatency(run)?.histogram[stat] ?? null,
    }),
  ),
  ...HISTOGRAMS.flatMap(([histogram, label]) =>
    STATS.map(
      (stat): Metric => ({
        name: `latency.${histogram}.${stat}`,
        label: `${label} ${STAT_LABEL[stat]}`,
        unit: 'ms',
        better: 'lower',
        tolerance: TIME_NOISE,
        value: (run) => {
          const h = run.latency[histogram];
          return h && h.count > 0 ? h[stat] : null;
        },
      }),
    ),
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
    value: (run) => {
      const { upstream: up, downstream: down } = run.bytes;
      if (run.clients <= 0 || run.durationMs <= 0) return null;
      return Math.round((up.total + down.total - up.handshake - down.handshake) / run.clients / (run.durationMs / 3_600_000));
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
  ...(['lost', 'duplicated', 'outOfOrder'] as const).map(
    (key): Metric => ({
      name: key,
      label: key === 'outOfOrder' ? 'out of order' : key,
      unit: 'count',
      better: 'lower',
      tolerance: EXACT,
      value: (run) => (run.status === 'failed' && run.bytes.messages === 0 ? null : sumDelivery(run, key)),
    }),
  ),
  {
    name: 'cpuMsPerConnection',
    label: 'server CPU/connection',
    unit: 'ms',
    better: 'lower',
    tolerance: TIME_NOISE,
    value: (run) => run.server.cpuMsPerConnection,
  },
  {
    name: 'memoryPerConnection',
    label: 'server memory/connection',
    unit: 'bytes',
    better: 'lower',
    tolerance: { relative: 0.1, absolute: 1024 },
    value: (run) => run.server.memoryPerConnectionBytes,
  },
  {
    name: 'loadGeneratorCpu',
    label: 'load generator CPU',
    unit: 'percent',
    better: 'lower',
    tolerance: { relative: 0.1, absolute: 5 },
    value: (run) => run.loadGenerator.cpuPercent,
  },
];

export const METRICS: readonly Metric[] = [...latencyMetrics, ...otherMetrics];

const BY_NAME = new Map(METRICS.map((metric) => [metric.name, metric]));

/** Shorter names people will type: connect.p99 = latency.connect.p99, and so on. */
for (const [histogram] of HISTOGRAMS) {
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
