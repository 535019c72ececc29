/**
 * Comparing a results file with an older one. Runs are matched by scenario, network, middlebox,
 * client mode and contender (runKey). For each metric, a change counts as a regression when the value
 * moved the wrong way (see Metric.better: lower is better for latency, bytes, CPU, memory, lost, …)
 * by more than the metric's noise tolerance (both its relative and its absolute part). Informational
 * metrics (Metric.informational: p99.9, max, memory per connection) are compared and shown the same
 * way, but a change beyond noise is only 'changed' — never a regression or an improvement.
 */
import type { ResultsFile, RunResult } from '../scenarios/results.js';
import { runKey } from './groups.js';
import { formatChange, formatValue } from './format.js';
import { METRICS, isBetter, type Metric } from './metrics.js';

/** 'changed': an informational metric moved beyond noise (shown, not judged). */
export type ChangeStatus = 'regressed' | 'improved' | 'changed' | 'unchanged' | 'new' | 'gone';

export interface FigureChange {
  metric: Metric;
  current: number | null;
  baseline: number | null;
  /** current − baseline, when both exist. */
  delta: number | null;
  status: ChangeStatus;
}

export interface RunComparison {
  key: string;
  run: RunResult;
  baselineRun: RunResult | null;
  /** status changes too: ok → failed is a regression. */
  statusChange: { from: RunResult['status']; to: RunResult['status']; regressed: boolean } | null;
  figures: FigureChange[];
}

export interface Comparison {
  runs: RunComparison[];
  /** Runs of the baseline that this results file no longer has. */
  missing: string[];
  /** what: a metric name or "status"; detail: "62 ms → 70 ms (+13 %)". */
  regressions: Array<{ key: string; what: string; detail: string }>;
  /** Look up by run; undefined when the run has no counterpart in the baseline. */
  forRun(run: RunResult): RunComparison | undefined;
}

const STATUS_RANK: Record<RunResult['status'], number> = { ok: 0, partial: 1, failed: 2 };

export function compareFigure(metric: Metric, current: number | null, baseline: number | null): FigureChange {
  if (current === null && baseline === null) return { metric, current, baseline, delta: null, status: 'unchanged' };
  if (baseline === null) return { metric, current, baseline, delta: null, status: 'new' };
  if (current === null) return { metric, current, baseline, delta: null, status: 'gone' };
  const delta = current - baseline;
  const noise = Math.max(metric.tolerance.absolute, metric.tolerance.relative * Math.abs(baseline));
  const significant = Math.abs(delta) > noise;
  const status: ChangeStatus = !significant
    ? 'unchanged'
    : metric.informational
      ? 'changed'
      : isBetter(metric, current, baseline)
        ? 'improved'
        : 'regressed';
  return { metric, current, baseline, delta, status };
}

export function compareToBaseline(current: ResultsFile, baseline: ResultsFile): Comparison {
  const baselineByKey = new Map(baseline.runs.map((run) => [runKey(run), run]));
  const byRun = new Map<RunResult, RunComparison>();
  const regressions: Comparison['regressions'] = [];

  for (const run of current.runs) {
    const key = runKey(run);
    const baselineRun = baselineByKey.get(key) ?? null;
    if (!baselineRun) continue;
    const statusChange =
      baselineRun.status === run.status
        ? null
        : {
            from: baselineRun.status,
            to: run.status,
            regressed: STATUS_RANK[run.status] > STATUS_RANK[baselineRun.status],
          };
    if (statusChange?.regressed)
      regressions.push({ key, what: 'status', detail: `${statusChange.from} → ${statusChange.to}` });
    const figures = METRICS.map((metric) => compareFigure(metric, metric.value(run), metric.value(baselineRun)));
    for (const figure of figures) {
      if (figure.status === 'regressed' && !figure.metric.alias)
        regressions.push({ key, what: figure.metric.name, detail: describeChange(figure) });
    }
    byRun.set(run, { key, run, baselineRun, statusChange, figures });
  }

  const currentKeys = new Set(current.runs.map(runKey));
  return {
    runs: [...byRun.values()],
    missing: [...baselineByKey.keys()].filter((key) => !currentKeys.has(key)),
    regressions,
    forRun: (run) => byRun.get(run),
  };
}

/** The change of one metric for one run, if the run has a baseline. */
export function figureChange(
  comparison: Comparison | undefined,
  run: RunResult,
  metric: Metric,
): FigureChange | undefined {
  return comparison?.forRun(run)?.figures.find((figure) => figure.metric === metric);
}

/** "62 ms → 70 ms (+13 %)" */
export function describeChange(figure: FigureChange): string {
  const unit = figure.metric.unit;
  if (figure.current === null || figure.baseline === null) {
    return `${formatValue(figure.baseline, unit)} → ${formatValue(figure.current, unit)}`;
  }
  return `${formatValue(figure.baseline, unit)} → ${formatValue(figure.current, unit)} (${formatChange(figure.current, figure.baseline, unit)})`;
}
