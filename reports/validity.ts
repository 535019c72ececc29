/**
 * A run is invalid when its figures measure the harness, not the transport: the load generator or
 * the server process was saturated (a busy share of one core at or above SATURATED_PERCENT over the
 * traffic phase). Telemetry over SSE with the generator at 97 % of a core went from a 2 ms p50 to
 * 1.13 s: that is the generator's queue. Invalid runs are shown, marked, never ranked (★, verdicts,
 * decisions), never judged against a baseline, and fail every budget that names them.
 *
 * The throughput scenario climbs until something saturates on purpose: its server is not checked.
 */
import type { RunResult } from '../scenarios/results.js';

export const SATURATED_PERCENT = 90;

/** Why the run's figures cannot be trusted; empty when they can. */
export function invalidReasons(run: RunResult): string[] {
  const reasons: string[] = [];
  const generator = run.loadGenerator.cpuPercent;
  if (generator >= SATURATED_PERCENT)
    reasons.push(
      `load generator at ${Math.round(generator)} % of a core${run.clientMode === 'browser' ? ' (busiest Chromium process)' : ''}`,
    );
  const server = run.server.trafficCpuPercent;
  const climbs = run.params.throughput !== null && run.params.throughput !== undefined;
  if (!climbs && typeof server === 'number' && server >= SATURATED_PERCENT)
    reasons.push(`server at ${Math.round(server)} % of a core`);
  return reasons;
}

export const isValid = (run: RunResult) => invalidReasons(run).length === 0;

/** "invalid: load generator at 97 % of a core", or null. */
export function invalidNote(run: RunResult): string | null {
  const reasons = invalidReasons(run);
  return reasons.length ? `invalid: ${reasons.join(', ')}` : null;
}
