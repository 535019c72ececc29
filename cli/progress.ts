/**
 * Progress on stderr while a suite runs: a cli-progress bar on a terminal (weighted by each run's
 * planned traffic time plus set-up); otherwise a line when a run's traffic is under way and one when
 * it ends. Silent with --json.
 */
import cliProgress from 'cli-progress';
import type { RunPlan, RunProgress } from '../scenarios/index.js';
import type { RunResult } from '../scenarios/results.js';
import { invalidNote } from '../reports/validity.js';

/** Rough set-up + drain + tear-down time of one run, for the bar's weights only. */
const OVERHEAD_S = 2.5;
const weight = (plan: RunPlan) => (plan.warmUpMs + plan.durationMs) / 1000 + OVERHEAD_S;
const label = (plan: RunPlan) =>
  `${plan.scenario} · ${plan.contender}${plan.variant ? ` (${plan.variant})` : ''}${plan.clientMode === 'browser' ? ' (browser)' : ''} · ${plan.network}${plan.middlebox ? ` · ${plan.middlebox}` : ''}`;

export interface Progress {
  runStart(plan: RunPlan, index: number, total: number): void;
  runProgress(plan: RunPlan, p: RunProgress): void;
  runEnd(result: RunResult, index: number, total: number): void;
  stop(): void;
}

/** `plans`: in the order they run (repeats included). */
export function createProgress(plans: RunPlan[], mode: 'bar' | 'lines' | 'silent'): Progress {
  if (mode === 'silent') return { runStart() {}, runProgress() {}, runEnd() {}, stop() {} };
  if (mode === 'lines') {
    let current = -1;
    let trafficSeen = false;
    return {
      runStart(_plan, i) {
        current = i;
        trafficSeen = false;
      },
      runProgress(plan, p) {
        if (p.phase !== 'traffic' || trafficSeen) return;
        trafficSeen = true;
        process.stderr.write(`[${current + 1}/${plans.length}] ${label(plan)}: traffic\n`);
      },
      runEnd: (r, i, total) => {
        const invalid = invalidNote(r);
        process.stderr.write(
          `[${i + 1}/${total}] ${label(plans[i]!)}: ${r.status}${r.error ? ` (${r.error})` : ''}${invalid ? ` — ${invalid}` : ''}\n`,
        );
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {percentage}% | run {run}/{runs} | ETA {eta_formatted} | {label}',
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const total = plans.reduce((s, p) => s + weight(p), 0);
  let done = 0;
  bar.start(Math.round(total), 0, { run: 0, runs: plans.length, label: '' });
  return {
    runStart: (plan, i) => bar.update(Math.round(done), { run: i + 1, label: label(plan) }),
    runProgress(plan, p) {
      if (p.phase === 'traffic') bar.update(Math.round(done + Math.min(p.elapsedMs / 1000, plan.durationMs / 1000)));
    },
    runEnd(result, i) {
      done += weight(plans[i]);
      bar.update(Math.round(done), { label: `${label(plans[i])}: ${result.status}` });
    },
    stop: () => bar.stop(),
  };
}
