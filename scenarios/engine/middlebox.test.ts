/**
 * Each middlebox produces its effect at the scenario level: what a user of the library would see.
 * (flaky is covered by engine.metrics.test.ts: proxy cuts, reconnect gaps, no loss on ours.)
 */
import { expect, it } from 'vitest';
import { describeRun, testPlan } from './testkit.js';
import type { RunPlan } from '../plan.js';
import type { Contender } from '../results.js';
import { runPlan } from './runner.js';

const push = (contender: Contender, middlebox: string, extra: Partial<RunPlan> = {}) =>
  testPlan(contender, { middlebox, duration: '1500ms', traffic: { pattern: 'push', rate: 10 } }, extra);

it('block-websocket: auto with fallback ends on sse, nothing lost', async () => {
  const r = await runPlan(push('auto', 'block-websocket'));
  expect(r.status, describeRun(r)).toBe('ok');
  expect(r.finalTransports).toEqual({ sse: 2 });
  expect(r.latency.firstMessage!.count).toBe(2);
  expect(r.delivery.serverToClient.lost).toBe(0);
  expect(r.events.some((e) => e.type === 'proxy-middlebox')).toBe(true);
});

it('block-websocket: auto with upgrade never ends on websocket', async () => {
  const r = await runPlan(push('auto', 'block-websocket', { strategy: 'upgrade' }));
  expect(r.status, describeRun(r)).toBe('ok');
  expect(Object.keys(r.finalTransports)).not.toContain('websocket');
  expect(r.delivery.serverToClient.lost).toBe(0);
});

it('block-websocket: Socket.IO pinned to websocket never connects', async () => {
  const r = await runPlan(push('socketio-websocket', 'block-websocket'), { joinTimeoutMs: 2500 });
  expect(r.status).toBe('failed');
  expect(r.error).toMatch(/no client connected/);
  expect(r.finalTransports).toEqual({ 'never-connected': 2 });
});

it('stall-websocket: auto waits out the stalled upgrade, then falls back', { timeout: 30_000 }, async () => {
  const r = await runPlan(push('auto', 'stall-websocket'));
  expect(r.status, describeRun(r)).toBe('ok');
  expect(r.finalTransports.websocket ?? 0).toBe(0);
  // The client only trusts data: the first message waits for the WebSocket verification to time out.
  expect(r.latency.firstMessage!.p50).toBeGreaterThan(1000);
});

it('buffer-streaming: a pinned SSE stream never delivers, long-polling does', async () => {
  const sse = await runPlan(push('sse', 'buffer-streaming'), { joinTimeoutMs: 2500 });
  expect(sse.status).toBe('failed');
  expect(sse.delivery.serverToClient.received).toBe(0);
  const polling = await runPlan(push('long-polling', 'buffer-streaming'));
  expect(polling.status, describeRun(polling)).toBe('ok');
  expect(polling.delivery.serverToClient.lost).toBe(0);
});

it('idle-timeout: connections without a heartbeat are cut while idle', async () => {
  const r = await runPlan(
    testPlan('raw-ws', { middlebox: 'idle-timeout:0.5', duration: '2s', traffic: { pattern: 'push', rate: 0.5 } }),
  );
  expect(
    r.events.some((e) => e.type === 'proxy-cut' || e.type === 'proxy-middlebox'),
    describeRun(r),
  ).toBe(true);
  expect(r.latency.reconnectGap?.count ?? 0).toBeGreaterThan(0);
});
