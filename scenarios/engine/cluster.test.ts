/**
 * The engine runs clusters: N server processes on a throwaway Redis behind HAProxy, a node fault on
 * its timer, and the results say what ran (nodes, balancer, backplane, per-node load). Ours through a
 * no-affinity balancer with a node SIGKILLed: nothing lost; Socket.IO polling through the same
 * balancer: refused with "Session ID unknown" — the reason the docs prescribe sticky sessions.
 */
import { describe, expect, it } from 'vitest';
import { describeRun, testPlan } from './testkit.js';
import { runPlan } from './runner.js';

const chat = {
  clients: 6,
  duration: '3s',
  payload: { bytes: 100, kind: 'json' as const },
  traffic: { pattern: 'fanout' as const, rate: 5, rooms: 2 },
  nodes: 3,
};

describe('cluster runs', () => {
  it('ours on 3 nodes, round-robin, node 1 killed and started again: every message once, per-node load recorded', async () => {
    const nodeFaults = [
      { type: 'kill-node' as const, node: 1, at: '1s' },
      { type: 'restart-node' as const, node: 1, at: '2s' },
    ];
    const r = await runPlan(testPlan('websocket', { ...chat, nodeFaults }));
    expect(r.status, describeRun(r)).toBe('ok');
    expect(r.cluster).toMatchObject({
      nodes: 3,
      balancer: { mode: 'round-robin' },
      backplane: { kind: 'redis' },
      faults: [
        { type: 'kill-node', node: 1, atMs: 1000 },
        { type: 'restart-node', node: 1, atMs: 2000 },
      ],
    });
    const perNode = r.cluster!.perNode;
    expect(perNode.map((n) => n.killedAtMs !== null)).toEqual([false, true, false]);
    expect(perNode[1]!.restartedAtMs).toBeGreaterThan(perNode[1]!.killedAtMs!);
    expect(r.events.some((e) => e.type === 'restart-node')).toBe(true);
    expect(perNode.reduce((n, x) => n + x.opened, 0)).toBeGreaterThanOrEqual(6);
    expect(r.events.some((e) => e.type === 'kill-node')).toBe(true);
    for (const d of [r.delivery.serverToClient, r.delivery.clientToServer]) {
      expect(d.sent).toBeGreaterThan(0);
      expect({ lost: d.lost, duplicated: d.duplicated, outOfOrder: d.outOfOrder }).toEqual({
        lost: 0,
        duplicated: 0,
        outOfOrder: 0,
      });
    }
  }, 60_000);

  it('Socket.IO polling without affinity: its nodes refuse "Session ID unknown"', async () => {
    const r = await runPlan(testPlan('socketio-polling', { ...chat, duration: '1500ms' }), { joinTimeoutMs: 4000 });
    const refused = r.cluster!.perNode.reduce((n, x) => n + (x.refusals['Session ID unknown'] ?? 0), 0);
    expect(refused, describeRun(r)).toBeGreaterThan(0);
  }, 60_000);
});
