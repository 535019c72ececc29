/**
 * Running suite entries for a command (run, advise, claims): progress on stderr, Ctrl-C / SIGTERM
 * handling (the current run's traffic ends, partial results are written; a second signal writes
 * what has finished and quits — interrupt.ts), then the results file and the HTML report.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runSuite, type Overrides, type SuiteEntry } from '../scenarios/index.js';
import { emptyResults, planWithRepeats, repeatOrder } from '../scenarios/engine/suite.js';
import type { ResultsFile, RunResult } from '../scenarios/results.js';
import { renderHtml } from '../reports/index.js';
import { handleInterrupts } from './interrupt.js';
import { createProgress } from './progress.js';

export interface ExecuteOptions {
  out: string;
  /** Also write the HTML report here. */
  report?: string;
  repeat: number;
  json?: boolean;
  progress?: boolean;
  verifyCapture?: boolean;
  /** Every client's connect timeout (`run --connect-timeout`); default: scaled with the clients. */
  connectTimeoutMs?: number;
  /** Fills in the results before they are written (e.g. the decision's workload, for advise). */
  decorate?: (results: ResultsFile) => ResultsFile;
  /** Writes more files beside the results (e.g. Markdown), after them. */
  alsoWrite?: (results: ResultsFile) => Promise<void>;
}

export interface Executed {
  results: ResultsFile;
  /** 130 / 143 when interrupted by a signal, else null. */
  exitCode: number | null;
  /** How many runs were planned (repeats included). */
  planned: number;
}

/** `--repeat N`: a positive whole number (`fallback` when absent). */
export function parseRepeat(text: string | undefined, fallback = 1): number {
  if (text === undefined) return fallback;
  const n = /^\d+$/.test(text.trim()) ? Number(text) : 0;
  if (n < 1 || n > 50) throw new Error(`--repeat takes a whole number from 1 to 50 (got ${JSON.stringify(text)})`);
  return n;
}

export async function writeText(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

export async function executeEntries(
  entries: SuiteEntry[],
  overrides: Overrides,
  o: ExecuteOptions,
): Promise<Executed> {
  const planned = planWithRepeats(entries, overrides); // validates networks and middleboxes before anything starts
  const ordered = repeatOrder(
    planned.map((p) => p.maxRepeat),
    o.repeat,
  ).map(({ plan }) => planned[plan]!.plan);
  const decorate = o.decorate ?? ((r: ResultsFile) => r);
  const write = async (results: ResultsFile) => {
    await writeText(o.out, JSON.stringify(results, null, 2) + '\n');
    if (o.report) await writeText(o.report, renderHtml(results));
    await o.alsoWrite?.(results);
  };
  const progress = createProgress(
    ordered,
    o.json ? 'silent' : process.stderr.isTTY && o.progress !== false ? 'bar' : 'lines',
  );
  const finished: RunResult[] = [];
  let writing: Promise<void> | null = null; // the final write, once under way
  const interrupt = handleInterrupts({
    first: (signal) =>
      process.stderr.write(
        `\n${signal}: finishing the current run and writing partial results (${signal === 'SIGINT' ? 'Ctrl-C' : 'signal'} again to quit now)\n`,
      ),
    force: () => writing ?? write(decorate({ ...emptyResults(), runs: finished })),
  });
  let results: ResultsFile;
  try {
    results = decorate(
      await runSuite(entries, {
        overrides,
        repeat: o.repeat,
        signal: interrupt.signal,
        verifyCapture: o.verifyCapture,
        connectTimeoutMs: o.connectTimeoutMs,
        onRunStart: (plan, i, total) => progress.runStart(plan, i, total),
        onRunProgress: (plan, p) => progress.runProgress(plan, p),
        onRunEnd: (result, i, total) => (finished.push(result), progress.runEnd(result, i, total)),
      }),
    );
    // Written under the handlers: a second signal now waits for this write, then quits.
    await (writing = write(results));
  } finally {
    progress.stop();
    interrupt.dispose();
  }
  return { results, exitCode: interrupt.exitCode, planned: ordered.length };
}
