/** Test helpers for the report tests: synthetic repeats of a results file's runs. NOT measurements. */
import type { ResultsFile } from '../scenarios/results.js';

/**
 * `n` copies of every run as its repeats (RunResult.repeat), each latency statistic scaled by a
 * factor within ±`noise` and bytes per message within ±`noise` / 20, from a deterministic generator.
 */
export function repeatRuns(results: ResultsFile, n: number, noise: number, seed: number): ResultsFile {
  let state = seed >>> 0;
  const jitter = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return 1 + noise * ((state / 2 ** 32) * 2 - 1);
  };
  const runs = results.runs.flatMap((run) =>
    Array.from({ length: n }, (_, repeat) => {
      const copy = structuredClone(run);
      copy.repeat = repeat;
      for (const h of Object.values(copy.latency))
        if (h) for (const k of ['p50', 'p90', 'p99', 'mean'] as const) h[k] *= jitter();
      copy.bytes.perMessage *= 1 + (jitter() - 1) / 20;
      return copy;
    }),
  );
  return { ...results, runs };
}
