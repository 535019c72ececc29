/**
 * `transport-lab report <results.json>`: print the summary table, write the HTML and Markdown
 * reports, compare with a baseline, check budgets.
 *
 * Exit codes: 0 all good (regressions against a baseline are shown, not fatal — gate with budgets);
 * 1 a budget failed (each failing line printed to stderr); 2 bad input (unreadable or invalid
 * results/baseline/budget file, malformed --fail-if expression) or an output that cannot be written.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CommanderError, type Command } from 'commander';
import {
  BudgetError,
  decide,
  DEFAULT_DECISION_WORKLOAD,
  renderDecisionHeadlines,
  ResultsFileError,
  evaluateBudgets,
  loadBudgetFile,
  loadResults,
  parseBudget,
  renderHtml,
  renderMarkdown,
  renderTable,
  type Budget,
} from '../reports/index.js';
import { formatBytes, terminalSafe } from '../reports/format.js';

export const EXIT = { ok: 0, budgetFailed: 1, badInput: 2 } as const;

export interface ReportOptions {
  html?: string;
  markdown?: string;
  baseline?: string;
  budget?: string;
  failIf?: string[];
}

interface Output {
  log(text: string): void;
  error(text: string): void;
}

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** The command without commander or process: returns the exit code. */
export async function runReport(resultsPath: string, options: ReportOptions, out: Output = console): Promise<number> {
  let budgets: Budget[];
  let results, baseline;
  try {
    results = await loadResults(resultsPath);
    baseline = options.baseline ? await loadResults(options.baseline) : undefined;
    budgets = [
      ...(options.budget ? await loadBudgetFile(options.budget) : []),
      ...(options.failIf ?? []).map(parseBudget),
    ];
  } catch (error) {
    if (error instanceof ResultsFileError || error instanceof BudgetError) {
      out.error(`transport-lab report: ${terminalSafe(error.message)}`);
      return EXIT.badInput;
    }
    throw error;
  }

  const evaluation = budgets.length ? evaluateBudgets(results, budgets) : undefined;
  out.log(renderTable(results).trimEnd());
  out.log(`\n${renderDecisionHeadlines(decide(results, results.decision ?? DEFAULT_DECISION_WORKLOAD)).trimEnd()}`);
  try {
    if (options.html) {
      const page = renderHtml(results, { baseline });
      await write(options.html, page);
      out.log(`HTML report: ${options.html} (${formatBytes(Buffer.byteLength(page))})`);
    }
    if (options.markdown) {
      await write(options.markdown, renderMarkdown(results, { baseline, budgetFailures: evaluation?.failures }));
      out.log(`Markdown summary: ${options.markdown}`);
    }
  } catch (error) {
    out.error(`transport-lab report: cannot write output (${(error as Error).message})`);
    return EXIT.badInput;
  }

  if (!evaluation) return EXIT.ok;
  if (evaluation.failures.length === 0) {
    out.log(`Budgets: ${budgets.length} budgets, ${evaluation.checked} checks, all pass.`);
    return EXIT.ok;
  }
  out.error(`Budgets: ${evaluation.failures.length} failing:`);
  for (const failure of evaluation.failures) out.error(`  FAIL ${terminalSafe(failure.message)}`);
  return EXIT.budgetFailed;
}

export function registerReportCommand(program: Command): Command {
  return (
    program
      .command('report')
      .description('Summarise a results file; write HTML/Markdown reports; compare with a baseline; check budgets')
      .argument('<results>', 'results JSON written by `transport-lab run`')
      .option('--html <path>', 'write the self-contained HTML report here')
      .option('--markdown <path>', 'write a Markdown summary here (CI step summary, PR comment)')
      .option('--baseline <path>', 'an older results file: show every figure’s change, flag regressions')
      .option('--budget <file>', 'budget file: {"failIf": ["websocket.latency.p99 > 50ms", …]}')
      .option(
        '--fail-if <expr...>',
        'fail (exit 1) when true, e.g. "websocket.latency.p99 > 50ms", "chat:*.lost > 0" (see docs/ci.md)',
      )
      .addHelpText('after', '\nExit codes: 0 ok, 1 a budget failed, 2 bad input.')
      // Commander exits 1 on usage errors (missing argument, unknown option); 1 means "budget failed" here.
      .exitOverride((error) => {
        throw error.exitCode === 0 ? error : new CommanderError(EXIT.badInput, error.code, error.message);
      })
      .action(async (resultsPath: string, options: ReportOptions) => {
        process.exitCode = await runReport(resultsPath, options);
      })
  );
}
