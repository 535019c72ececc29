/**
 * Comparing a results file with an older one. Entries (a contender's repeated runs in one
 * comparison, groups.ts) are matched by runKey: scenario, network, middlebox, client mode and
 * contender. For each metric, a change is a regression only when it goes the wrong way beyond the
 * noise measured in both files (noise.ts compareSpreads: the intervals do not overlap, the medians
 * are further apart than either file's spread, and beyond the metric's resolution floor — which is
 * the whole rule when each file ran once). Informational metrics (Metric.informational: p99.9, max,
 * memory per connection, the load generator's CPU) and percentiles resting on too few samples are
 * shown, never judged: a change beyond noise is only 'changed'. An entry is judged only where the
 * noise was measured in both files: at least two valid runs on each side (`run --repeat`). A single
 * run measures no noise — on a loaded machine loopback latencies, connect times and a peer's losses
 * across cuts move by 25–300 % between two runs of unchanged code — so its changes are shown, not
 * flagged (a run that fails where it passed is still a regression, and budgets still apply).
 *
 * Verdicts are compared too: a flip is a metric on which one file finds contender A measurably
 * better than B and the other finds B measurably better than A. Unchanged code must show none.
 */
import type { ResultsFile, RunResult } from '../scenarios/results.js';
import { figureOf, groupRuns, isRanked, noiseOf, transportIdentity, type Entry, type RunGroup } from './groups.js';
import { formatChange, formatSpread } from './format.js';
import { METRICS, isJudgeable, type Metric } from './metrics.js';
import { compareSpreads, type Spread } from './noise.js';

/** 'changed': an informational metric moved beyond noise (shown, not judged). */
export type ChangeStatus = 'regressed' | 'improved' | 'changed' | 'unchanged' | 'new' | 'gone';

export interface FigureChange {
  metric: Metric;
  /** Medians; null when the entry has no such figure. */
  current: number | null;
  baseline: number | null;
  currentSpread: Spread | null;
  baselineSpread: Spread | null;
  /** current − baseline, when both exist. */
  delta: number | null;
  status: ChangeStatus;
}

export interface EntryComparison {
  key: string;
  entry: Entry;
  baselineEntry: Entry;
  /** status changes too: ok → failed is a regression. */
  statusChange: { from: RunResult['status']; to: RunResult['status']; regressed: boolean } | null;
  /** Judged: two valid runs or more on each side; otherwise its figures are shown, not flagged. */
  judged: boolean;
  figures: FigureChange[];
}

export interface VerdictFlip {
  group: string;
  metric: string;
  /** Better beyond noise in the baseline … */
  before: { better: string; worse: string };
  /** … and the other way round now. */
  after: { better: string; worse: string };
}

export interface Comparison {
  entries: EntryComparison[];
  /** Entries of the baseline that this results file no longer has. */
  missing: string[];
  /** what: a metric name or "status"; detail: "62 ms → 70 ms (+13 %)". */
  regressions: Array<{ key: string; what: string; detail: string }>;
  flips: VerdictFlip[];
  /** Look up by an entry's key (runKey); undefined when it has no counterpart in the baseline. */
  forKey(key: string): EntryComparison | undefined;
}

const STATUS_RANK: Record<RunResult['status'], number> = { ok: 0, partial: 1, failed: 2 };

/** Valid runs needed on each side before a change is judged: noise is measured from two. */
export const MIN_RUNS = 2;

/** `pooled`: the typical spread of this metric in both files (noise.ts pooledNoise). */
export function compareFigure(
  metric: Metric,
  current: Spread | null,
  baseline: Spread | null,
  judged = true,
  pooled = 0,
): FigureChange {
  const base = {
    metric,
    current: current?.median ?? null,
    baseline: baseline?.median ?? null,
    currentSpread: current,
    baselineSpread: baseline,
  };
  if (current === null && baseline === null) return { ...base, delta: null, status: 'unchanged' };
  if (baseline === null) return { ...base, delta: null, status: 'new' };
  if (current === null) return { ...base, delta: null, status: 'gone' };
  const delta = current.median - baseline.median;
  const outcome = compareSpreads(metric, current, baseline, pooled);
  const status: ChangeStatus =
    outcome === 0 ? 'unchanged' : metric.informational || !judged ? 'changed' : outcome < 0 ? 'improved' : 'regressed';
  return { ...base, delta, status };
}

function compareEntries(entry: Entry, baselineEntry: Entry, noise: (metric: Metric) => number): EntryComparison {
  const worst = (e: Entry) => e.status;
  const statusChange =
    worst(baselineEntry) === worst(entry)
      ? null
      : {
          from: worst(baselineEntry),
          to: worst(entry),
          regressed: STATUS_RANK[worst(entry)] > STATUS_RANK[worst(baselineEntry)],
        };
  const judged = entry.counted.length >= MIN_RUNS && baselineEntry.counted.length >= MIN_RUNS;
  const figures = METRICS.map((metric) => {
    const enough = [...entry.counted, ...baselineEntry.counted].every((run) => isJudgeable(metric, run));
    return compareFigure(
      metric,
      figureOf(entry, metric),
      figureOf(baselineEntry, metric),
      judged && enough,
      noise(metric),
    );
  });
  return { key: entry.key, entry, baselineEntry, statusChange, judged, figures };
}

export function compareToBaseline(current: ResultsFile, baseline: ResultsFile): Comparison {
  const currentGroups = groupRuns(current.runs);
  const baselineGroups = groupRuns(baseline.runs);
  const baselineEntries = new Map(baselineGroups.flatMap((g) => g.entries.map((e) => [e.key, { e, g }] as const)));
  const byKey = new Map<string, EntryComparison>();
  const regressions: Comparison['regressions'] = [];
  // The noise of a comparison: pooled over its contenders in both files.
  const noise = new Map<string, (metric: Metric) => number>();
  const noiseFor = (group: RunGroup, other: RunGroup) => {
    const key = `${group.title}\u0000${other.title}`;
    if (!noise.has(key)) noise.set(key, noiseOf([...group.entries, ...other.entries]));
    return noise.get(key)!;
  };
  for (const group of currentGroups)
    for (const entry of group.entries) {
      const matched = baselineEntries.get(entry.key);
      if (!matched) continue;
      const comparison = compareEntries(entry, matched.e, noiseFor(group, matched.g));
      if (comparison.statusChange?.regressed)
        regressions.push({
          key: entry.key,
          what: 'status',
          detail: `${comparison.statusChange.from} → ${comparison.statusChange.to}`,
        });
      for (const figure of comparison.figures)
        if (figure.status === 'regressed' && !figure.metric.alias)
          regressions.push({ key: entry.key, what: figure.metric.name, detail: describeChange(figure) });
      byKey.set(entry.key, comparison);
    }
  const currentKeys = new Set(currentGroups.flatMap((g) => g.entries.map((e) => e.key)));
  return {
    entries: [...byKey.values()],
    missing: [...baselineEntries.keys()].filter((key) => !currentKeys.has(key)),
    regressions,
    flips: verdictFlips(currentGroups, baselineGroups),
    forKey: (key) => byKey.get(key),
  };
}

/** The change of one metric for one entry, if it has a baseline. */
export function figureChange(
  comparison: Comparison | undefined,
  entry: Entry,
  metric: Metric,
): FigureChange | undefined {
  return comparison?.forKey(entry.key)?.figures.find((figure) => figure.metric === metric);
}

/** "62 ms → 70 ms (+13 %)", each side with its interval when it ran more than once. */
export function describeChange(figure: FigureChange): string {
  const unit = figure.metric.unit;
  const sides = `${formatSpread(figure.baselineSpread, unit)} → ${formatSpread(figure.currentSpread, unit)}`;
  if (figure.current === null || figure.baseline === null) return sides;
  return `${sides} (${formatChange(figure.current, figure.baseline, unit)})`;
}

/** The metrics whose verdicts are compared between files: every judged, non-alias one. */
const FLIP_METRICS = METRICS.filter((m) => !m.informational && !m.alias);

/** Pairs ranked one way beyond noise in one file and the other way in the other (see the file comment). */
function verdictFlips(current: RunGroup[], baseline: RunGroup[]): VerdictFlip[] {
  const flips: VerdictFlip[] = [];
  const baselineByTitle = new Map(baseline.map((g) => [g.title, g]));
  for (const group of current) {
    const before = baselineByTitle.get(group.title);
    if (!before) continue;
    for (const metric of FLIP_METRICS) {
      const pooled = noiseOf([...group.entries, ...before.entries])(metric);
      const order = (g: RunGroup) => {
        const ranked = g.entries.filter(
          (e) =>
            isRanked(e) &&
            e.counted.length >= MIN_RUNS &&
            e.counted.every((run) => isJudgeable(metric, run)) &&
            figureOf(e, metric),
        );
        const better = new Map<string, Set<string>>();
        for (const a of ranked)
          for (const b of ranked)
            if (
              a !== b &&
              transportIdentity(a) !== transportIdentity(b) &&
              compareSpreads(metric, figureOf(a, metric)!, figureOf(b, metric)!, pooled) < 0
            )
              better.set(a.key, (better.get(a.key) ?? new Set()).add(b.key));
        return { better, labels: new Map(ranked.map((e) => [e.key, e.label])) };
      };
      const now = order(group);
      const then = order(before);
      for (const [a, worse] of then.better)
        for (const b of worse)
          if (now.better.get(b)?.has(a))
            flips.push({
              group: group.title,
              metric: metric.name,
              before: { better: then.labels.get(a)!, worse: then.labels.get(b)! },
              after: { better: now.labels.get(b)!, worse: now.labels.get(a)! },
            });
    }
  }
  return flips;
}
