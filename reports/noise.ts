/**
 * Figures over repeated runs, and the one rule that decides whether two of them differ.
 *
 * A figure of a contender that ran N times (`run --repeat N`) is the median of its N values with an
 * interval: a distribution-free confidence interval for the median from order statistics (the k-th
 * smallest and the k-th largest value, with k the largest for which the binomial coverage
 * 1 − 2·P(Bin(N, ½) < k) is at least 95 %). With 3 to 5 runs no such k exists: the interval is then
 * min–max, whose coverage is 1 − 2·½^N — 75 % for 3 runs, 88 % for 4, 94 % for 5 — and it is stated
 * as such. (A normal approximation would claim 95 % from 3 runs; it cannot know that.) From 6 runs
 * the interval reaches 95 %.
 *
 * Two figures differ — a ★, a verdict, a regression, a decision — only when all of these hold:
 * 1. their intervals do not overlap (with min–max: every run of one beat every run of the other);
 * 2. the gap between their medians is larger than the noise measured: the larger of their own
 *    spreads (max − min of the runs) and of the results file's typical spread for this metric
 *    (pooledNoise: 1.5 × the 75th percentile of every contender's relative spread, both files'
 *    against a baseline). Three runs can agree by chance: a figure whose own runs happen to sit
 *    close together is judged by how far apart runs of this metric usually are;
 * 3. the gap exceeds the metric's resolution floor (Metric.tolerance: e.g. 0.5 ms and 25 % for
 *    latency, 1 B and 1 % for bytes), which is also the whole rule when each side ran once.
 * Otherwise: "no measurable difference". Simulated with 3 runs a side drawn from one distribution
 * (normal, log-normal, or one run in five hit by a stall), 1 and 2 alone call 2–4.5 % of equal pairs
 * different; with the pooled spread, 0.02–0.1 %.
 */
import type { Metric } from './metrics.js';

export interface Spread {
  /** Runs behind the figure. */
  n: number;
  median: number;
  low: number;
  high: number;
  /** Probability that [low, high] holds the median of the runs' distribution (0 with one run). */
  coverage: number;
}

const CONFIDENCE = 0.95;

/** P(Bin(n, ½) ≤ k). */
function binomialCdfHalf(n: number, k: number): number {
  let term = Math.pow(0.5, n); // C(n, 0) / 2^n
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += term;
    term = (term * (n - i)) / (i + 1);
  }
  return sum;
}

/** The interval's order statistic (1-based k: the k-th smallest and k-th largest) and its coverage. */
export function medianInterval(n: number): { k: number; coverage: number } {
  if (n <= 1) return { k: 1, coverage: 0 };
  let best = { k: 1, coverage: 1 - 2 * Math.pow(0.5, n) };
  for (let k = 2; k <= Math.floor(n / 2); k++) {
    const coverage = 1 - 2 * binomialCdfHalf(n, k - 1);
    if (coverage < CONFIDENCE) break;
    best = { k, coverage };
  }
  return best;
}

export function spreadOf(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  const { k, coverage } = medianInterval(n);
  return { n, median, low: sorted[k - 1]!, high: sorted[n - k]!, coverage };
}

/** "min–max of 3 runs (75 % coverage)" / "95 % interval of 7 runs" / "one run". */
export function describeInterval(n: number): string {
  if (n <= 1) return 'one run';
  const { k, coverage } = medianInterval(n);
  const pct = `${Math.floor(coverage * 1000) / 10} %`;
  return k === 1 ? `min–max of ${n} runs (${pct} coverage of the median)` : `${pct} interval of ${n} runs`;
}

/** The metric's resolution floor at these values: below it, nothing is a difference. */
export function resolutionFloor(metric: Metric, a: number, b: number): number {
  return Math.max(metric.tolerance.absolute, metric.tolerance.relative * Math.min(Math.abs(a), Math.abs(b)));
}

/** How much more than the typical spread a gap must be (see the file comment). */
const POOLED_FACTOR = 1.5;

/**
 * The typical run-to-run spread of a metric, relative to its median: 1.5 × the 75th percentile of
 * (max − min) / median over the figures given that rest on two runs or more; 0 when none does.
 */
export function pooledNoise(spreads: ReadonlyArray<Spread | null>): number {
  const relative = spreads
    .filter((s): s is Spread => s !== null && s.n > 1 && s.median !== 0)
    .map((s) => (s.high - s.low) / Math.abs(s.median))
    .sort((x, y) => x - y);
  if (relative.length === 0) return 0;
  return POOLED_FACTOR * relative[Math.min(relative.length - 1, Math.floor(relative.length * 0.75))]!;
}

/**
 * -1: `a` is better than `b` beyond noise; 1: worse; 0: no measurable difference (see the file's
 * comment for the rule). "Better" follows Metric.better. `pooled`: pooledNoise of the files.
 */
export function compareSpreads(metric: Metric, a: Spread, b: Spread, pooled = 0): -1 | 0 | 1 {
  const separated = a.high < b.low || b.high < a.low;
  const gap = Math.abs(a.median - b.median);
  const noise = Math.max(a.high - a.low, b.high - b.low, pooled * Math.min(Math.abs(a.median), Math.abs(b.median)));
  if (!separated || gap <= noise || gap <= resolutionFloor(metric, a.median, b.median)) return 0;
  const aLower = a.median < b.median;
  return aLower === (metric.better === 'lower') ? -1 : 1;
}
