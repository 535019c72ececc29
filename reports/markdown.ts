/**
 * renderMarkdown: the short form for a CI step summary or a PR comment — budgets, regressions, then
 * per comparison the verdict and the key figures (with their change against a baseline).
 */
import type { ResultsFile } from '../scenarios/results.js';
import { compareToBaseline, figureChange, type Comparison } from './baseline.js';
import { decide, DEFAULT_DECISION_WORKLOAD } from './decide.js';
import { renderDecisionMarkdown, renderDecisionSummaryMarkdown } from './decide-render.js';
import type { BudgetFailure } from './budget.js';
import { clusterRows } from './cluster.js';
import { escapeMarkdown as md, formatChange, formatMs, formatSpread } from './format.js';
import { figureOf, groupRuns, withFinalTransport, type Entry, type RunGroup } from './groups.js';
import { BEST_RULE, bestEntries, verdictText } from './verdict.js';
import { KEY_METRICS, shortLabel } from './metrics.js';
import { describeInterval } from './noise.js';

export interface MarkdownOptions {
  baseline?: ResultsFile;
  /** Pass the failures of evaluateBudgets (an empty list prints "all budgets pass"). */
  budgetFailures?: readonly BudgetFailure[];
  /** Blocks placed after the decision (e.g. the classic claims), already Markdown. */
  lead?: string[];
}

function budgetsBlock(failures: readonly BudgetFailure[]): string {
  if (failures.length === 0) return '**Budgets:** ✅ all pass\n';
  const lines = failures.map((f) => `- ${md(f.message)}`);
  return `**Budgets:** ❌ ${failures.length} failing\n\n${lines.join('\n')}\n`;
}

function baselineBlock(comparison: Comparison, baseline: ResultsFile): string {
  const { regressions, missing, entries, flips } = comparison;
  const head = `**Against the baseline** (${md(baseline.createdAt)}, commit ${md(baseline.environment.commit ?? 'unknown')}): ${entries.length} contenders matched, ${regressions.length === 0 ? 'no regressions' : `${regressions.length} regression${regressions.length === 1 ? '' : 's'}`} beyond the noise of both files, ${flips.length === 0 ? 'no verdict flipped' : `${flips.length} verdict${flips.length === 1 ? '' : 's'} flipped`}.`;
  const lines = regressions.map((r) => `- ⚠️ ${md(r.key)}: ${md(r.what)} ${md(r.detail)}`);
  for (const f of flips)
    lines.push(
      `- ↔️ ${md(f.group)}, ${md(f.metric)}: ${md(f.before.better)} was better than ${md(f.before.worse)}, now ${md(f.after.better)} is better than ${md(f.after.worse)}`,
    );
  if (missing.length) lines.push(`- not in this run: ${missing.map(md).join('; ')}`);
  return [head, ...(lines.length ? ['', ...lines] : [])].join('\n') + '\n';
}

function cell(entry: Entry, metricIndex: number, best: ReadonlyArray<Set<Entry>>, comparison?: Comparison): string {
  const metric = KEY_METRICS[metricIndex]!;
  let text = formatSpread(figureOf(entry, metric), metric.unit);
  if (best[metricIndex]!.has(entry)) text = `**${text}** ★`;
  const change = figureChange(comparison, entry, metric);
  if (change && change.current !== null && change.baseline !== null && change.delta !== 0) {
    text += ` (${formatChange(change.current, change.baseline, metric.unit)}${change.status === 'regressed' ? ' ⚠️' : ''})`;
  }
  return text;
}

function groupBlock(group: RunGroup, comparison: Comparison | undefined): string {
  const best = KEY_METRICS.map((metric) => bestEntries(group, metric));
  const header = `| contender | ${KEY_METRICS.map(shortLabel).join(' | ')} |`;
  const rule = `|---|${KEY_METRICS.map(() => '---:').join('|')}|`;
  const rows = group.entries.map((entry) => {
    const name = md(withFinalTransport(entry));
    const errors = [...new Set(entry.runs.map((r) => r.error).filter((e): e is string => Boolean(e)))];
    if (entry.status === 'failed') {
      return `| ${name} | ❌ failed${errors.length ? `: ${md(errors.join('; '))}` : ''} |${' |'.repeat(KEY_METRICS.length - 1)}`;
    }
    const notes = [
      entry.status === 'partial' ? `partial${errors.length ? `: ${errors.join('; ')}` : ''}` : null,
      entry.invalid.length ? `⚠️ invalid, not ranked: ${entry.invalid.join('; ')}` : null,
    ].filter((n): n is string => n !== null);
    const status = notes.length ? ` (${md(notes.join('; '))})` : '';
    return `| ${name}${status} | ${KEY_METRICS.map((_, i) => cell(entry, i, best, comparison)).join(' | ')} |`;
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

/** What to use: one row per scenario, or the whole advice when the results say what it is for (advise). */
function decisionBlock(results: ResultsFile): string {
  const decisions = decide(results, results.decision ?? DEFAULT_DECISION_WORKLOAD);
  return results.decision ? renderDecisionMarkdown(decisions) : renderDecisionSummaryMarkdown(decisions);
}

export function renderMarkdown(results: ResultsFile, options: MarkdownOptions = {}): string {
  const comparison = options.baseline ? compareToBaseline(results, options.baseline) : undefined;
  const groups = groupRuns(results.runs);
  const repeats = Math.max(1, ...groups.flatMap((g) => g.entries.map((e) => e.runs.length)));
  const parts = [
    '## transport-lab report',
    '',
    `${results.runs.length} runs · results of ${md(results.createdAt)} · ${md(results.environment.tool)} · commit ${md(results.environment.commit ?? 'unknown')}`,
    '',
    decisionBlock(results),
    '',
    ...(options.lead ?? []).flatMap((block) => [block, '']),
  ];
  if (options.budgetFailures) parts.push(budgetsBlock(options.budgetFailures));
  if (comparison && options.baseline) parts.push(baselineBlock(comparison, options.baseline));
  for (const group of groups) parts.push(groupBlock(group, comparison));
  parts.push(
    `Latency is one-way server→client (round trip where that is all there is). ${
      repeats > 1 ? `Each figure: the median of the runs [${md(describeInterval(repeats))}]. ` : ''
    }★ ${md(BEST_RULE)}.${
      comparison
        ? ' In parentheses: change of the median against the baseline (none: identical); ⚠️ regression beyond the noise of both files.'
        : ''
    } The HTML report has the charts and says how each figure is measured.`,
  );
  return `${parts.join('\n')}\n`;
}
