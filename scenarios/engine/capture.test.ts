/**
 * A whole scenario run, captured with tshark on the proxy ports: the bytes the run reports equal the
 * TCP payload the capture saw, per direction and connection by connection (the meter's own tests
 * check each dialect in detail). Under a flaky link, connections end by a cut: whatever the capture
 * holds beyond the meter on those must be named as in flight at the cut (meter/wire-check.ts), and
 * every connection that ended in order must still match exactly.
 */
import { expect, it } from 'vitest';
import { tsharkUnavailableReason } from '../meter/capture.js';
import type { WireCheck } from '../meter/wire-check.js';
import { describeRun, testPlan } from './testkit.js';
import type { Contender } from '../results.js';
import { runPlan } from './runner.js';

const unavailable = tsharkUnavailableReason();
if (unavailable) console.warn(`[engine.capture.test] SKIPPED: ${unavailable}`);

it.skipIf(unavailable !== null).each<Contender>(['long-polling', 'socketio'])(
  '%s: reported bytes equal the capture',
  async (contender) => {
    const r = await runPlan(testPlan(contender, { duration: '1s' }), { verifyCapture: true });
    expect(r.status, describeRun(r)).toBe('ok');
    const check = r.params.wireCheck as WireCheck;
    const why = `${describeRun(r)}\nwire check: ${JSON.stringify(check)}`;
    expect(check.captured, why).toMatchObject({
      upstream: r.bytes.upstream.total,
      downstream: r.bytes.downstream.total,
    });
    expect(check, why).toMatchObject({ equal: true, accounted: true, mismatches: [], cutConnections: 0 });
  },
);

it.skipIf(unavailable !== null)(
  'flaky link: every captured byte is metered or named as in flight at a cut',
  { timeout: 60_000 },
  async () => {
    const r = await runPlan(
      testPlan('long-polling', { duration: '3s', middlebox: 'flaky:1', traffic: { pattern: 'echo', rate: 50 } }),
      { verifyCapture: true },
    );
    const check = r.params.wireCheck as WireCheck;
    console.info(`[engine.capture.test] flaky long-polling: ${JSON.stringify(check)}`);
    expect(check.cutConnections, describeRun(r)).toBeGreaterThan(0);
    expect(check.mismatches, JSON.stringify(check)).toEqual([]);
    expect(check.accounted).toBe(true);
    for (const direction of ['upstream', 'downstream'] as const)
      expect(check.metered[direction] + check.inFlightAtCuts[direction]).toBe(check.captured[direction]);
  },
);
