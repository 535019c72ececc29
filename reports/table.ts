/**
 * renderTable: the terminal summary (the runner prints it at the end of a run; `report` prints it
 * too). Plain text, no colours, one block per comparison group, one row per contender: each figure
 * the median of its runs with its interval (noise.ts) when it ran more than once.
 */
import type { ResultsFile, RunResult } from '../scenarios/results.js';
import { formatSpread, terminalSafe } from './format.js';
import { figureOf, groupRuns, runLabel, withFinalTransport } from './groups.js';
import { BEST_RULE, bestEntries, verdictText } from './verdict.js';
import { KEY_METRICS, shortLabel } from './metrics.js';
import { describeInterval } from './noise.js';

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  return rows.map((row) =>
    row
      .map((text, col) => (col === 0 ? text.padEnd(widths[col]!) : text.padStart(widths[col]!)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * The measuring machinery's own CPU (% of one core, connect and traffic phases): the runner process,
 * the proxy processes together. One line per group; none for runs that did not record it.
 */
function runnerLine(runs: readonly RunResult[]): string[] {
  const parts = runs.flatMap((run) => {
    if (!run.runner) return [];
    const proxy = run.runner.proxyCpuPercent === null ? '' : `, proxy ${run.runner.proxyCpuPercent} %`;
    return [`${terminalSafe(runLabel(run))} ${run.runner.cpuPercent} %${proxy}`];
  });
  return parts.length ? [`  runner CPU (% of one core): ${parts.join('; ')}`] : [];
}

/** Accepts a whole results file or just its runs (e.g. while a run is still being assembled). */
export function renderTable(results: ResultsFile | readonly RunResult[]): string {
  const runs = 'runs' in results ? results.runs : results;
  const groups = groupRuns(runs);
  const blocks = groups.map((group) => {
    const best = KEY_METRICS.map((metric) => bestEntries(group, metric));
    const rows = group.entries.map((entry) => {
      const marks = [entry.status === 'ok' ? null : entry.status, entry.invalid.length ? 'invalid' : null].filter(
        Boolean,
      );
      const name = terminalSafe(withFinalTransport(entry)) + (marks.length ? ` (${marks.join(', ')})` : '');
      return [
        name,
        ...KEY_METRICS.map((metric, i) => {
          if (entry.status === 'failed') return '—';
          const text = formatSpread(figureOf(entry, metric), metric.unit);
          return best[i]!.has(entry) ? `*${text}` : text;
        }),
      ];
    });
    const notes = group.entries.flatMap((entry) => [
      ...entry.runs
        .filter((run) => run.status !== 'ok' && run.error)
        .map((run) => `  ${terminalSafe(entry.label)}: ${terminalSafe(run.error!)}`)
        .filter((line, i, all) => all.indexOf(line) === i),
      ...entry.invalid.map((reason) => `  ${terminalSafe(entry.label)}: INVALID, not ranked — ${terminalSafe(reason)}`),
    ]);
    return [
      terminalSafe(group.title),
      ...pad([['contender', ...KEY_METRICS.map(shortLabel)], ...rows]).map((l) => `  ${l}`),
      ...notes,
      ...runnerLine(group.runs),
      `  ${terminalSafe(verdictText(group))}`,
    ].join('\n');
  });
  const repeats = Math.max(1, ...groups.flatMap((g) => g.entries.map((e) => e.runs.length)));
  const legend = [
    `* ${BEST_RULE}`,
    ...(repeats > 1 ? [`[low–high]: ${describeInterval(repeats)}; the figure is the median of the runs`] : []),
  ];
  return `${blocks.join('\n\n')}\n\n${legend.join('\n')}\n`;
}
