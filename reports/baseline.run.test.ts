/**
 * Baselines on real runs: unchanged code compared with itself shows no regression and no flipped
 * verdict; an injected change — one transport held back by a round trip (1 s, a slow mobile one), another carrying
 * 50 more bytes per message — is flagged, and nothing else is. The byte change goes to plain ws,
 * whose bytes per message do not depend on timing (long-polling's do: how many messages share a
 * poll depends on how busy the machine is, by more than 50 B on a loaded one).
 *
 * Built so that noise cannot decide: the three "files" (baseline, unchanged, changed) are run
 * interleaved, round by round, so a busy moment of the machine falls on all of them alike; each has
 * three runs per contender, judged by the noise rule itself (noise.ts); the injected changes are
 * large against loopback noise (1 s on a ~1 ms latency; +50 B on byte counts that vary by a few). The
 * rule wants the gap beyond each side's own spread: on a 2-core box running two suites one run of
 * three was seen 200 ms slower than the others, which hid a 100 ms change — so the change is 1 s.
 */
import { expect, it } from 'vitest';
import { defineScenario } from '../scenarios/define.js';
import { runPlan } from '../scenarios/engine/runner.js';
import { emptyResults } from '../scenarios/engine/suite.js';
import { expandScenario, type RunPlan } from '../scenarios/plan.js';
import type { ResultsFile } from '../scenarios/results.js';
import { compareToBaseline } from './baseline.js';

const REPEATS = 3;
const RTT_MS = 1000;

const plans = expandScenario(
  defineScenario({
    name: 'baseline-check',
    description: 'A small push workload run three times over, to compare results files of the same code.',
    clients: 3,
    duration: '1500ms',
    // 200 → 250 B: both above 125, so a frame header stays 4 bytes (the overhead does not change).
    payload: { bytes: 200, kind: 'text' },
    traffic: { pattern: 'push', rate: 20 },
    contenders: ['websocket', 'raw-ws'],
  }),
);

/** The "changed code": websocket's messages held back one RTT, plain ws's 50 bytes larger. */
const changed = (plan: RunPlan): RunPlan =>
  plan.contender === 'websocket'
    ? { ...plan, faults: { downstream: { holdMs: RTT_MS } } }
    : { ...plan, payload: { ...plan.payload, bytes: plan.payload.bytes + 50 } };

it(
  'unchanged code: 0 regressions, no flipped verdict; an injected change: flagged, and only it',
  { timeout: 240_000 },
  async () => {
    const files: Record<'baseline' | 'unchanged' | 'changed', ResultsFile> = {
      baseline: emptyResults(),
      unchanged: emptyResults(),
      changed: emptyResults(),
    };
    for (let repeat = 0; repeat < REPEATS; repeat++)
      for (const plan of plans)
        for (const [name, file] of Object.entries(files)) {
          const run = await runPlan(name === 'changed' ? changed(plan) : plan, { repeat });
          expect(run.status, `${name} ${plan.contender}: ${run.error}`).toBe('ok');
          file.runs.push(run);
        }

    const same = compareToBaseline(files.unchanged, files.baseline);
    expect(same.entries).toHaveLength(plans.length);
    expect(same.regressions).toEqual([]);
    expect(same.flips).toEqual([]);

    const comparison = compareToBaseline(files.changed, files.baseline);
    const flagged = comparison.regressions.map((r) => `${r.key.split(' | ').at(-1)}: ${r.what}`);
    const why = JSON.stringify(
      comparison.entries.map((e) => ({
        key: e.key,
        judged: e.judged,
        invalid: [...e.entry.invalid, ...e.baselineEntry.invalid],
        figures: e.figures
          .filter((f) => ['latency.serverToClient.p50', 'bytesPerMessage'].includes(f.metric.name))
          .map((f) => [f.metric.name, f.status, f.currentSpread, f.baselineSpread]),
      })),
    );
    expect(flagged, why).toContain('websocket: latency.serverToClient.p50');
    expect(flagged, why).toContain('raw-ws: bytesPerMessage');
    // Nothing but what was injected: websocket's time, and what the hold moves with it — its bytes per
    // client-hour (a rate over the run's time: holding every message 1 s moves its bytes later in the
    // run) and its server CPU per connection (held, it measured 16.2–17.8 vs 13.5–15.2 ms without,
    // in four interleaved pairs of these runs); plain ws's bytes.
    for (const line of flagged)
      expect(line, why).toMatch(/^websocket: (latency\.|bytesPerClientHour$|cpuMsPerConnection$)|^raw-ws: bytes/);
  },
);
