/**
 * Runs a list of scenarios: expands each into plans, runs them one after another (never two at once:
 * they would measure each other), and returns a ResultsFile. An abort stops after the current run,
 * which still reports; the file then holds every run finished so far.
 */
import type { Scenario } from '../define.js';
import type { SuiteEntry } from '../suites.js';
import { describeEnvironment } from './environment.js';
import { expandScenario, type Overrides, type RunPlan } from '../plan.js';
import { RESULTS_SCHEMA_VERSION, type ResultsFile, type RunResult } from '../results.js';
import { runPlan, type RunOptions, type RunProgress } from './runner.js';

export interface SuiteOptions extends Omit<RunOptions, 'onProgress'> {
  overrides?: Overrides;
  onRunStart?: (plan: RunPlan, index: number, total: number) => void;
  onRunProgress?: (plan: RunPlan, progress: RunProgress) => void;
  onRunEnd?: (result: RunResult, index: number, total: number) => void;
}

/** Plans for scenarios (or suite entries with their own trims); `overrides` win over an entry's. */
export function planSuite(entries: Array<Scenario | SuiteEntry>, overrides: Overrides = {}): RunPlan[] {
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Overrides;
  return entries.flatMap((e) =>
    'scenario' in e ? expandScenario(e.scenario, { ...e.overrides, ...given }) : expandScenario(e, given),
  );
}

export async function runSuite(
  entries: Array<Scenario | SuiteEntry>,
  options: SuiteOptions = {},
): Promise<ResultsFile> {
  const plans = planSuite(entries, options.overrides);
  const results = emptyResults();
  for (const [i, plan] of plans.entries()) {
    if (options.signal?.aborted) break;
    options.onRunStart?.(plan, i, plans.length);
    const result = await runPlan(plan, { ...options, onProgress: (p) => options.onRunProgress?.(plan, p) });
    results.runs.push(result);
    options.onRunEnd?.(result, i, plans.length);
  }
  return results;
}

export function emptyResults(): ResultsFile {
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    environment: describeEnvironment(),
    runs: [],
  };
}
