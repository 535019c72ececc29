/**
 * renderMarkdown: the short form for a CI step summary or a PR comment — budgets, regressions, then
 * per comparison the verdict and the key figures (with their change against a baseline).
 */
import type { ResultsFile, RunResult } from '../scenarios/results.js';
import { compareToBaseline, figureChange, type Comparison } from './baseline.js';
import type { BudgetFailure } from './budget.js';
import { clusterRows } from './cluster.js';
import { escapeMarkdown as md, formatChange, formatMs, formatValue } from './format.js';
import { BEST_RULE, bestRuns, groupRuns, verdictText, withFinalTransport, type RunGroup } from './groups.js';
import { KEY_METRICS, shortLabel } from './metrics.js';

export interface MarkdownOptions {
  baseline?: ResultsFile;
  /** Pass the failures of evaluateBudgets (an empty list prints "all budgets pass"). */
  budgetFailures?: readonly BudgetFailure[];
}

function budgetsBlock(failures: readonly BudgetFailure[]): string {
  if (failures.length === 0) return '**Budgets:** ✅ all pass\n';
  const lines = failures.map((f) => `- ${md(f.message)}`);
  return `**Budgets:** ❌ ${failures.length} failing\n\n${lines.join('\n')}\n`;
}

function baselineBlock(comparison: Comparison, baseline: ResultsFile): string {
  const { regressions, missing, runs } = comparison;
  const head = `**Against the baseline** (${md(baseline.createdAt)}, commit ${md(baseline.environment.commit ?? 'unknown')}): ${runs.length} runs matched, ${regressions.length === 0 ? 'no regressions' : `${regressions.length} regression${regressions.length === 1 ? '' : 's'}`}.`;
  const lines = regressions.map((r) => `- ⚠️ ${md(r.key)}: ${md(r.what)} ${md(r.detail)}`);
  if (missing.length) lines.push(`- not in this run: ${missing.map(md).join('; ')}`);
  return [head, ...(lines.length ? ['', ...lines] : [])].join('\n') + '\n';
}

function cell(
  run: RunResult,
  metricIndex: number,
  best: ReadonlyArray<Set<RunResult>>,
  comparison: Comparison | undefined,
): string {
  const metric = KEY_METRICS[metricIndex]!;
  const value = metric.value(run);
  let text = formatValue(value, metric.unit);
  if (best[metricIndex]!.has(run)) text = `**${text}** ★`;
  const change = figureChange(comparison, run, metric);
  if (change && change.current !== null && change.baseline !== null && change.delta !== 0) {
    text += ` (${formatChange(change.current, change.baseline, metric.unit)}${change.status === 'regressed' ? ' ⚠️' : ''})`;
  }
  return text;
}

function groupBlock(group: RunGroup, comparison: Comparison | undefined): string {
  const best = KEY_METRICS.map((metric) => bestRuns(group.runs, metric));
  const header = `| contender | ${KEY_METRICS.map(shortLabel).join(' | ')} |`;
  const rule = `|---|${KEY_METRICS.map(() => '---:').join('|')}|`;
  const rows = group.runs.map((run) => {
    const name = md(withFinalTransport(run));
    if (run.status === 'failed') {
      return `| ${name} | ❌ failed${run.error ? `: ${md(run.error)}` : ''} |${' |'.repeat(KEY_METRICS.length - 1)}`;
    }
    const status = run.status === 'partial' ? ` (partial${run.error ? `: ${md(run.error)}` : ''})` : '';
    return `| ${name}${status} | ${KEY_METRICS.map((_, i) => cell(run, i, best, comparison)).join(' | ')} |`;
  });
  return [
    `### ${md(group.title)}`,
    '',
    md(verdictText(group)),
    '',
    header,
    rule,
    ...rows,
    '',
    ...clusterBlock(group),
  ].join('\n');
}

/** Clusters: setup, latency added against one node, loss at a node fault. */
function clusterBlock(group: RunGroup): string[] {
  const rows = clusterRows(group.runs);
  if (rows.length === 0) return [];
  const ms = (x: number) => `${x >= 0 ? '+' : '−'}${formatMs(Math.abs(x))}`;
  return [
    '| cluster run | setup | p50 added | p99 added | Redis requests / commands per message | faults | lost | dup |',
    '|---|---|---:|---:|---:|---|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${md(r.label)} | ${md(r.setup)} | ${r.added ? ms(r.added.p50) : '—'} | ${r.added ? ms(r.added.p99) : '—'} | ${r.redisPerMessage ? `${r.redisPerMessage.requests} / ${r.redisPerMessage.commands}` : '—'} | ${md(r.faults)} | ${r.lostAtFault ?? '—'} | ${r.duplicatedAtFault ?? '—'} |`,
    ),
    '',
  ];
}

export function renderMarkdown(results: ResultsFile, options: MarkdownOptions = {}): string {
  const comparison = options.baseline ? compareToBaseline(results, options.baseline) : undefined;
  const parts = [
    '## transport-lab report',
    '',
    `${results.runs.length} runs · results of ${md(results.createdAt)} · ${md(results.environment.tool)} · commit ${md(results.environment.commit ?? 'unknown')}`,
    '',
  ];
  if (options.budgetFailures) parts.push(budgetsBlock(options.budgetFailures));
  if (comparison && options.baseline) parts.push(baselineBlock(comparison, options.baseline));
  for (const group of groupRuns(results.runs)) parts.push(groupBlock(group, comparison));
  parts.push(
    `Latency is one-way server→client (round trip where that is all there is). ★ ${BEST_RULE}.${
      comparison
        ? ' In parentheses: change against the baseline (none: identical); ⚠️ regression (memory per connection is shown, never flagged).'
        : ''
    } The HTML report has the charts and says how each figure is measured.`,
  );
  return `${parts.join('\n')}\n`;
}
