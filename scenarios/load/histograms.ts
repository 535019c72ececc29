/**
 * Latency histograms (hdr-histogram-js). Values are recorded in microseconds (integers, 3
 * significant digits) and reported in milliseconds. Workers and the server process ship their
 * histograms as compressed base64; the runner decodes and merges them.
 */
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { HistogramSummary, LatencyHistogram } from '../results.js';

export type { Histogram };

/** A histogram of RunResult.latency (results.ts LATENCY_HISTOGRAMS). */
export type LatencyMetric = LatencyHistogram;

export function newHistogram(): Histogram {
  return hdr.build({ bitBucketSize: 32, autoResize: true, numberOfSignificantValueDigits: 3 });
}

/** Records a duration in ms (negative clock noise counts as 0). */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.max(0, Math.round(ms * 1000)));
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Merges encoded histograms into one; null when none holds a value. */
export function mergeEncoded(encoded: Array<string | null | undefined>): Histogram | null {
  let merged: Histogram | null = null;
  for (const e of encoded) {
    if (!e) continue;
    const h = hdr.decodeFromCompressedBase64(e, 32);
    if (h.totalCount === 0) continue;
    if (!merged) merged = newHistogram();
    merged.add(h);
  }
  return merged;
}

/** Percentiles of the chart curve: dense in the tail, where transports differ. */
const CURVE_PERCENTILES = [
  0, 10, 20, 25, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 97.5, 98, 98.5, 99, 99.25, 99.5, 99.75, 99.9,
  99.95, 99.99, 99.999, 100,
];

export function summarize(h: Histogram | null): HistogramSummary | null {
  if (!h || h.totalCount === 0) return null;
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: h.totalCount,
    min: ms(h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : Math.min(h.minNonZeroValue, h.getValueAtPercentile(0))),
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    curve: CURVE_PERCENTILES.map((p) => [p, ms(h.getValueAtPercentile(p))] as [number, number]),
  };
}

/** One histogram per metric, encoded, as a worker or the server ships them. */
export type EncodedLatency = Partial<Record<LatencyMetric, string>>;

/** Per-second histograms of one metric: [second since run start, encoded histogram]. */
export type EncodedSeries = Array<[number, string]>;

export class LatencyRecorder {
  readonly histograms = new Map<LatencyMetric, Histogram>();
  /** Per metric, per second since run start (only for samples recorded with a time). */
  readonly perSecond = new Map<LatencyMetric, Map<number, Histogram>>();

  constructor(private readonly runStart: () => number | null) {}

  record(metric: LatencyMetric, ms: number, at?: number): void {
    let h = this.histograms.get(metric);
    if (!h) this.histograms.set(metric, (h = newHistogram()));
    recordMs(h, ms);
    const start = this.runStart();
    if (at === undefined || start === null || at < start) return;
    let series = this.perSecond.get(metric);
    if (!series) this.perSecond.set(metric, (series = new Map()));
    const second = Math.floor((at - start) / 1000);
    let s = series.get(second);
    if (!s) series.set(second, (s = newHistogram()));
    recordMs(s, ms);
  }

  encode(): { latency: EncodedLatency; perSecond: Partial<Record<LatencyMetric, EncodedSeries>> } {
    const latency: EncodedLatency = {};
    for (const [metric, h] of this.histograms) latency[metric] = encodeHistogram(h);
    const perSecond: Partial<Record<LatencyMetric, EncodedSeries>> = {};
    for (const [metric, series] of this.perSecond)
      perSecond[metric] = [...series].map(([sec, h]) => [sec, encodeHistogram(h)]);
    return { latency, perSecond };
  }
}

export function encodeOne(recorder: LatencyRecorder, metric: LatencyMetric): string | null {
  const h = recorder.histograms.get(metric);
  return h ? encodeHistogram(h) : null;
}

/**
 * One metric's histogram so far (encoded, null when empty) and how many application messages this
 * process's senders have sent, read at the same moment: the throughput climb diffs these.
 */
export interface HistogramSnapshot {
  encoded: string | null;
  sent: number;
}

/** Merges per-second series from several recorders: second → merged histogram. */
export function mergeSeries(series: Array<EncodedSeries | undefined>): Map<number, Histogram> {
  const bySecond = new Map<number, string[]>();
  for (const list of series)
    for (const [sec, enc] of list ?? []) bySecond.set(sec, [...(bySecond.get(sec) ?? []), enc]);
  const merged = new Map<number, Histogram>();
  for (const [sec, encs] of [...bySecond].sort((a, b) => a[0] - b[0])) {
    const h = mergeEncoded(encs);
    if (h) merged.set(sec, h);
  }
  return merged;
}
