/**
 * A real cluster (test/helpers/cluster.ts): 3 node processes on one throwaway Redis, HAProxy
 * round-robin in front with no affinity, clients over real sockets. Every transport, with and
 * without a node SIGKILLed halfway: nothing lost, duplicated or reordered, in either direction
 * (every line comes back to its own sender through the room).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORTS } from '../../protocol/index.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { chat } from './chat.js';

describe.each(TRANSPORTS)('cluster of 3 behind round-robin HAProxy: %s', (transport) => {
  let cluster: TestCluster;
  beforeAll(async () => void (cluster = await startCluster(3)), 60_000);
  afterAll(() => cluster?.stop());

  it('chat in rooms across nodes: every line to every member exactly once, in order', async () => {
    const outcome = await chat(cluster.url, transport, { clients: 6, rooms: 2, messages: 20, intervalMs: 20 });
    // No node failed: no client had to reconnect either (relays and takeovers are invisible to it).
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0, reordered: 0, sessionsLost: 0, resumed: 0 });
    expect(outcome.received).toBe(outcome.expected);
    // The balancer spread the sessions: more than one node announced some.
    const serving = cluster.nodes.filter((n) => n.announced.size > 0).length;
    expect(serving).toBeGreaterThan(1);
  }, 60_000);

  it('a node SIGKILLed mid-chat: its sessions resume on the others, nothing lost or doubled', async () => {
    const before = cluster.nodes.map((n) => n.announced.size);
    let gained = 0;
    const outcome = await chat(cluster.url, transport, {
      clients: 6,
      rooms: 2,
      messages: 30,
      intervalMs: 30,
      // The node that took the most of this chat's sessions dies.
      midway() {
        const gains = cluster.nodes.map((n, i) => n.announced.size - before[i]!);
        gained = Math.max(...gains);
        cluster.nodes[gains.indexOf(gained)]!.kill();
      },
    });
    expect(outcome).toMatchObject({ lost: 0, duplicated: 0, reordered: 0, sessionsLost: 0 });
    expect(outcome.received).toBe(outcome.expected);
    expect(gained).toBeGreaterThan(0);
    expect(outcome.resumed).toBeGreaterThanOrEqual(gained);
    const adopted = cluster.nodes.flatMap((n) => [...n.announced.values()]).filter(Boolean).length;
    expect(adopted).toBeGreaterThanOrEqual(gained);
  }, 90_000);
});
