/**
 * Budgets: conditions that fail a CI build. One grammar for `--fail-if` and for budget files.
 *
 *   expression := [scenario ":"] contender "." metric op number [unit]
 *   contender  := a name of CONTENDERS (scenarios/contenders.ts) | "*"
 *   metric     := a name from reports/metrics.ts, e.g. latency.p99, latency.roundTrip.p50,
 *                 connect.p99, bytesPerMessage, overheadPerMessage, lost, cpuMsPerConnection
 *   op         := ">" | ">=" | "<" | "<=" | "==" | "!="
 *   unit       := ms | s (time) ; B | KB | MB (SI, 1 KB = 1000 B) | KiB | MiB (bytes) ; % ;
 *                 none = the metric's base unit (ms, bytes, count)
 *
 * The expression states the failure: `websocket.latency.p99 > 50ms` fails when it is true.
 * It is checked against every matching contender (all networks and middleboxes of the scenario, or
 * of all scenarios), on the figure the reports show: the median of its runs when it ran more than
 * once. A named contender matches whatever its status, so a failed one without the figure fails the
 * budget; `*` matches only contenders that did not fail. Runs that are invalid (a saturated load
 * generator or server: validity.ts) do not count; a contender with no valid run fails the budget,
 * saying so — its figures measure the harness. A budget matching no run fails.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CONTENDERS, isContender, type Contender } from '../scenarios/contenders.js';
import { LATENCY_HISTOGRAMS, type ResultsFile, type RunResult } from '../scenarios/results.js';
import { formatSpread } from './format.js';
import { entriesOf, figureOf, type Entry } from './groups.js';
import { findMetric, METRICS, STATS, type Metric, type MetricUnit } from './metrics.js';

export type BudgetOp = '>' | '>=' | '<' | '<=' | '==' | '!=';

export interface Budget {
  source: string; // the expression as written
  scenario: string | null;
  contender: Contender | '*';
  metric: Metric;
  op: BudgetOp;
  threshold: number; // in the metric's base unit
}

export interface BudgetFailure {
  budget: Budget;
  /** The contender's representative run (groups.ts Entry), null when the budget matched none. */
  run: RunResult | null;
  value: number | null;
  /** One printable line: the expression, where it failed, and the measured value. */
  message: string;
}

export interface BudgetEvaluation {
  checked: number; // (budget, contender) pairs evaluated
  failures: BudgetFailure[];
}

/** A malformed expression or budget file. The CLI maps it to exit code 2. */
export class BudgetError extends Error {
  override name = 'BudgetError';
}

const UNITS: Record<string, { unit: MetricUnit; factor: number }> = {
  ms: { unit: 'ms', factor: 1 },
  s: { unit: 'ms', factor: 1000 },
  B: { unit: 'bytes', factor: 1 },
  KB: { unit: 'bytes', factor: 1e3 },
  MB: { unit: 'bytes', factor: 1e6 },
  KiB: { unit: 'bytes', factor: 1024 },
  MiB: { unit: 'bytes', factor: 1024 * 1024 },
  '%': { unit: 'percent', factor: 1 },
};

const METRIC_HELP =
  `latency.<stat>, latency.<histogram>.<stat> (histograms: ${LATENCY_HISTOGRAMS.join(', ')}; ` +
  `stats: ${STATS.join(', ')}), ` +
  METRICS.filter((m) => !m.name.startsWith('latency.'))
    .map((m) => m.name)
    .join(', ');

const OPERATOR = /(>=|<=|==|!=|>|<)/;
const NUMBER_AND_UNIT = /^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z%]*)\s*$/;

export function parseBudget(expression: string): Budget {
  const fail = (why: string): never => {
    throw new BudgetError(`bad budget "${expression}": ${why}`);
  };
  const found = OPERATOR.exec(expression) ?? fail('no comparison operator (one of > >= < <= == !=)');
  const op = found[1] as BudgetOp;
  const left = expression.slice(0, found.index);
  const right = expression.slice(found.index + op.length);
  if (OPERATOR.test(right)) fail('more than one comparison operator');

  const target = left.trim();
  const colon = target.indexOf(':');
  const scenario = colon >= 0 ? target.slice(0, colon).trim() : null;
  if (scenario === '') fail('empty scenario name before ":"');
  const path = colon >= 0 ? target.slice(colon + 1).trim() : target;
  const dot = path.indexOf('.');
  if (dot < 0) fail('expected contender.metric before the operator, e.g. websocket.latency.p99');
  const contender = path.slice(0, dot);
  if (contender !== '*' && !isContender(contender)) {
    fail(`unknown contender "${contender}" (one of ${CONTENDERS.join(', ')}, or *)`);
  }
  const metricName = path.slice(dot + 1);
  const metric = findMetric(metricName) ?? fail(`unknown metric "${metricName}" (known: ${METRIC_HELP})`);

  const number =
    NUMBER_AND_UNIT.exec(right) ?? fail(`expected a number and an optional unit after "${op}", got "${right.trim()}"`);
  const [, digits, unitName] = number;
  let factor = 1;
  if (unitName) {
    const unit = UNITS[unitName] ?? fail(`unknown unit "${unitName}" (one of ${Object.keys(UNITS).join(', ')})`);
    if (unit.unit !== metric.unit)
      fail(`unit "${unitName}" does not fit ${metric.name}, which is measured in ${metric.unit}`);
    factor = unit.factor;
  }
  return {
    source: expression.trim(),
    scenario,
    contender: contender as Contender | '*',
    metric,
    op,
    threshold: Number(digits) * factor,
  };
}

const budgetFile = z.object({ failIf: z.array(z.string()) });

/** A budget file is JSON: { "failIf": ["websocket.latency.p99 > 50ms", …] }. */
export async function loadBudgetFile(path: string): Promise<Budget[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new BudgetError(`${path}: cannot read budget file (${(error as Error).message})`);
  }
  const parsed = budgetFile.safeParse(json);
  if (!parsed.success) {
    throw new BudgetError(`${path}: a budget file is {"failIf": ["expression", …]}\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data.failIf.map((expression) => {
    try {
      return parseBudget(expression);
    } catch (error) {
      throw new BudgetError(`${path}: ${(error as Error).message}`);
    }
  });
}

const COMPARE: Record<BudgetOp, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

function matches(budget: Budget, entry: Entry): boolean {
  const run = entry.representative;
  if (budget.scenario !== null && budget.scenario !== run.scenario) return false;
  return budget.contender === '*' ? entry.status !== 'failed' : budget.contender === entry.contender;
}

const where = (entry: Entry) => {
  const run = entry.representative;
  return `${run.scenario} · ${run.network.name} · ${run.middlebox ?? 'no middlebox'} · ${entry.label}`; // the label says "(browser)"
};

export function evaluateBudgets(results: ResultsFile, budgets: readonly Budget[]): BudgetEvaluation {
  const failures: BudgetFailure[] = [];
  const entries = entriesOf(results.runs);
  let checked = 0;
  for (const budget of budgets) {
    const matched = entries.filter((entry) => matches(budget, entry));
    if (matched.length === 0) {
      failures.push({ budget, run: null, value: null, message: `${budget.source} — matched no run` });
      continue;
    }
    for (const entry of matched) {
      checked++;
      const run = entry.representative;
      const failure = (value: number | null, detail: string) =>
        failures.push({ budget, run, value, message: `${budget.source} — ${where(entry)}: ${detail}` });
      if (entry.counted.length === 0 && entry.invalid.length > 0) {
        failure(null, `invalid, not checked (${entry.invalid.join('; ')}): its figures measure the harness`);
        continue;
      }
      const spread = entry.counted.length ? figureOf(entry, budget.metric) : null;
      if (spread === null) {
        const errors = [...new Set(entry.runs.map((r) => r.error).filter(Boolean))].join('; ');
        const why =
          entry.status === 'ok' ? 'no such figure in this run' : `run ${entry.status}${errors ? `: ${errors}` : ''}`;
        failure(null, `no value (${why})`);
      } else if (COMPARE[budget.op](spread.median, budget.threshold)) {
        failure(spread.median, `${budget.metric.label} = ${formatSpread(spread, budget.metric.unit)}`);
      }
    }
  }
  return { checked, failures };
}
