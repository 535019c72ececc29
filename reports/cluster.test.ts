/** The cluster section: latency added against one node of the same group, loss at a fault, per-node rows, in both formats. */
import { expect, it } from 'vitest';
import type { RunResult } from '../scenarios/results.js';
import { clusterRows, nodeLines } from './cluster.js';
import { makeResults } from './fixtures/generate.js';
import { renderHtml } from './html/render.js';
import { renderMarkdown } from './markdown.js';

const lan = { name: 'lan', rttMs: 2, jitterMs: 0.5, bandwidthKbps: null };

function fixture() {
  const results = makeResults({
    clients: 4,
    seconds: 5,
    scenarios: [
      {
        name: 'cluster',
        description: 'Synthetic: not a measurement.',
        network: lan,
        middlebox: null,
        contenders: ['websocket', 'websocket'],
      },
    ],
  });
  const [single, three] = results.runs as [RunResult, RunResult];
  three.params = { ...three.params, variant: '3 nodes, kill-node 1@2s' };
  three.latency.serverToClient = {
    ...single.latency.serverToClient!,
    p50: single.latency.serverToClient!.p50 + 1.5,
    p99: single.latency.serverToClient!.p99 + 4,
  };
  three.delivery.serverToClient = { ...three.delivery.serverToClient, lost: 2, duplicated: 0 };
  three.cluster = {
    nodes: 3,
    balancer: { mode: 'round-robin', software: 'HAProxy 2.6' },
    backplane: { kind: 'redis', software: 'Redis 7.0' },
    perNode: ['node0', 'node1', 'node2'].map((node, i) => ({
      node,
      opened: 2,
      adopted: i === 1 ? 0 : 1,
      upstreamReceived: 10,
      downstreamSent: 40,
      cpuMs: 100,
      refusals: (i === 2 ? { 'Session ID unknown': 3 } : {}) as Record<string, number>,
      killedAtMs: i === 1 ? 2500 : null,
      restartedAtMs: null,
    })),
    faults: [{ type: 'kill-node', node: 1, atMs: 2000 }],
  };
  return { results, single, three };
}

it('compares a cluster run with the same contender on one node, and counts the loss at its fault', () => {
  const { results, three } = fixture();
  const [row] = clusterRows(results.runs);
  expect(row).toMatchObject({ run: three, lostAtFault: 2, duplicatedAtFault: 0 });
  expect(row!.added!.p50).toBeCloseTo(1.5, 6);
  expect(row!.added!.p99).toBeCloseTo(4, 6);
  expect(row!.setup).toBe('3 nodes, HAProxy 2.6 round-robin, Redis 7.0');
  expect(nodeLines(three).map((l) => [l[0], l[5], l[6]])).toEqual([
    ['node0', '—', '—'],
    ['node1', '2.5 s', '—'],
    ['node2', '—', 'Session ID unknown ×3'],
  ]);
  const markdown = renderMarkdown(results);
  expect(markdown).toContain(
    '| 3 nodes, HAProxy 2.6 round-robin, Redis 7.0 | +1.5 ms | +4 ms | — | kill-node 1 at 2 s | 2 | 0 |',
  );
  const page = renderHtml(results);
  expect(page).toContain('Per node: websocket (3 nodes, kill-node 1@2s)');
  expect(page).toContain('Session ID unknown ×3');
});
