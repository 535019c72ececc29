/**
 * A whole scenario run, captured with tshark on the proxy port: the bytes the run reports equal the
 * TCP payload the capture saw, per direction (the meter's own tests check each dialect in detail).
 */
import { expect, it } from 'vitest';
import { tsharkUnavailableReason } from '../meter/capture.js';
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
    const check = r.params.wireCheck as { captured: { upstream: number; downstream: number }; equal: boolean };
    expect(check.captured).toMatchObject({ upstream: r.bytes.upstream.total, downstream: r.bytes.downstream.total });
    expect(check.equal).toBe(true);
  },
);
