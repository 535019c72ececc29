/**
 * Runs a list of scenarios: expands each into plans, runs them one after another (never two at once:
 * they would measure each other), and returns a ResultsFile. An abort stops after the current run,
 * which still reports; the file then holds every run finished so far.
 *
 * `repeat: N` runs every plan N times, interleaved: round r runs all plans once, starting one plan
 * further along each round, so that whatever else the machine does at one moment falls on different
 * contenders in different rounds instead of on all the runs of one. Each result records its round
 * (RunResult.repeat); the reports take the median of a contender's runs and its spread.
 */
import type { Scenario } from '../define.js';
import type { SuiteEntry } from '../plan.js';
import { describeEnvironment } from './environment.js';
import { expandScenario, type Overrides, type RunPlan } from '../plan.js';
import { RESULTS_SCHEMA_VERSION, type ResultsFile, type RunResult } from '../results.js';
import { runPlan, type RunOptions, type RunProgress } from './runner.js';

export interface SuiteOptions extends Omit<RunOptions, 'onProgress' | 'repeat'> {
  overrides?: Overrides;
  /** Run every plan this many times, interleaved (default 1). */
  repeat?: number;
  onRunStart?: (plan: RunPlan, index: number, total: number) => void;
  onRunProgress?: (plan: RunPlan, progress: RunProgress) => void;
  onRunEnd?: (result: RunResult, index: number, total: number) => void;
}

/** Plans for scenarios (or suite entries with their own trims); `overrides` win over an entry's. */
export function planSuite(entries: Array<Scenario | SuiteEntry>, overrides: Overrides = {}): RunPlan[] {
  return planWithRepeats(entries, overrides).map((p) => p.plan);
}

/** Each plan with the most runs its entry allows (SuiteEntry.maxRepeat; Infinity when none). */
export function planWithRepeats(
  entries: Array<Scenario | SuiteEntry>,
  overrides: Overrides = {},
): Array<{ plan: RunPlan; maxRepeat: number }> {
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Overrides;
  return entries.flatMap((e) =>
    'scenario' in e
      ? expandScenario(e.scenario, { ...e.overrides, ...given }).map((plan) => ({
          plan,
          maxRepeat: e.maxRepeat ?? Infinity,
        }))
      : expandScenario(e, given).map((plan) => ({ plan, maxRepeat: Infinity })),
  );
}

export async function runSuite(
  entries: Array<Scenario | SuiteEntry>,
  options: SuiteOptions = {},
): Promise<ResultsFile> {
  const planned = planWithRepeats(entries, options.overrides);
  const results = emptyResults();
  const order = repeatOrder(
    planned.map((p) => p.maxRepeat),
    options.repeat ?? 1,
  );
  const repeated = order.length > planned.length;
  for (const [i, { plan: p, repeat }] of order.entries()) {
    if (options.signal?.aborted) break;
    const plan = planned[p]!.plan;
    options.onRunStart?.(plan, i, order.length);
    const result = await runPlan(plan, {
      ...options,
      ...(repeated ? { repeat } : {}),
      onProgress: (progress) => options.onRunProgress?.(plan, progress),
    });
    results.runs.push(result);
    options.onRunEnd?.(result, i, order.length);
  }
  return results;
}

/**
 * Which plan runs when: round r runs every plan once (each plan at most its maxRepeat rounds),
 * rotated by r (see the file comment). `plans`: a count, or each plan's maxRepeat.
 */
export function repeatOrder(
  plans: number | readonly number[],
  repeat: number,
): Array<{ plan: number; repeat: number }> {
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`repeat must be a positive integer (got ${repeat})`);
  const limits = typeof plans === 'number' ? Array<number>(plans).fill(Infinity) : plans;
  const n = limits.length;
  return Array.from({ length: repeat }, (_, r) =>
    Array.from({ length: n }, (_, i) => ({ plan: (i + r) % n, repeat: r })).filter(({ plan }) => r < limits[plan]!),
  ).flat();
}

export function emptyResults(): ResultsFile {
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    environment: describeEnvironment(),
    runs: [],
  };
}
