/**
 * renderTable: the terminal summary (the runner prints it at the end of a run; `report` prints it
 * too). Plain text, no colours, one block per comparison group.
 */
import type { ResultsFile, RunResult } from '../scenarios/results.js';
import { formatValue, terminalSafe } from './format.js';
import { BEST_RULE, bestRuns, groupRuns, runLabel, verdictText, withFinalTransport } from './groups.js';
import { KEY_METRICS, shortLabel } from './metrics.js';

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
  const blocks = groupRuns(runs).map((group) => {
    const best = KEY_METRICS.map((metric) => bestRuns(group.runs, metric));
    const rows = group.runs.map((run) => {
      const name = terminalSafe(withFinalTransport(run)) + (run.status === 'ok' ? '' : ` (${run.status})`);
      return [
        name,
        ...KEY_METRICS.map((metric, i) => {
          if (run.status === 'failed') return '—';
          const value = metric.value(run);
          const text = formatValue(value, metric.unit);
          return best[i]!.has(run) ? `*${text}` : text;
        }),
      ];
    });
    const errors = group.runs
      .filter((run) => run.status !== 'ok' && run.error)
      .map((run) => `  ${terminalSafe(runLabel(run))}: ${terminalSafe(run.error!)}`);
    return [
      terminalSafe(group.title),
      ...pad([['contender', ...KEY_METRICS.map(shortLabel)], ...rows]).map((l) => `  ${l}`),
      ...errors,
      ...runnerLine(group.runs),
      `  ${terminalSafe(verdictText(group))}`,
    ].join('\n');
  });
  return `${blocks.join('\n\n')}\n\n* ${BEST_RULE}\n`;
}
