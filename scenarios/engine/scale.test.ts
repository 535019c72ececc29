/**
 * Large runs, small: the scale scenario with a few hundred clients per transport, the proxy split
 * over two proxy processes and the clients over two load processes, so every part of a 10,000-client
 * run (per-client URLs, merged meters, the processes' CPU) is exercised on loopback in seconds.
 * Asserted: every client joined, nothing lost, and the merged meter still adds up (its bandwidth
 * series sums to its byte totals, exactly). No time bounds. The 10,000-client runs themselves are
 * `transport-lab run --suite scale` (docs/scenarios.md), never part of the tests.
 */
import { describe, expect, it } from 'vitest';
import { getScenario } from '../library/index.js';
import { expandScenario } from '../plan.js';
import type { RunResult } from '../results.js';
import { connectionsPerClient, fdShortfall, planProcesses } from './limits.js';
import { mergeFigures } from './proxy-side.js';
import { runPlan } from './runner.js';
import { scaleTimings } from './scale.js';
import { describeRun } from './testkit.js';

const CLIENTS = 200;
const one = { nodes: 1, balancer: null, backplane: 'memory' as const, faults: [] };
const ticker = { pattern: 'broadcast' as const, rate: 1, rooms: 1 };
const telemetry = { pattern: 'upstream' as const, rate: 20, rooms: 1 };

describe('scaled timings', () => {
  it('keeps a small run as the scenario says, and grows ramp, connect timeout and join window with the clients', () => {
    const small = scaleTimings({ clients: 20, rampMs: 500, rttMs: 0, contender: 'sse' });
    expect(small).toMatchObject({ rampMs: 500, connectTimeoutMs: null, joinTimeoutMs: 8500 });
    const large = scaleTimings({ clients: 10_000, rampMs: 500, rttMs: 0, contender: 'websocket' });
    expect(large.rampMs).toBeGreaterThan(10 * small.rampMs);
    expect(large.connectTimeoutMs).toBeGreaterThan(4000);
    // The last client of the ramp still has its whole connect timeout inside the join window.
    expect(large.joinTimeoutMs).toBeGreaterThan(large.rampMs + large.connectTimeoutMs! - 4000);
    // Clients that open two connections each ramp up at half the rate.
    expect(scaleTimings({ clients: 10_000, rampMs: 500, rttMs: 0, contender: 'sse' }).rampMs).toBe(2 * large.rampMs);
    const given = scaleTimings({ clients: 10_000, rampMs: 0, rttMs: 0, contender: 'sse' }, { connectTimeoutMs: 9000 });
    expect(given.connectTimeoutMs).toBe(9000);
  });
});

describe('file descriptors', () => {
  it('spreads clients and proxy over enough processes that each stays within the limit', () => {
    const plan = { contender: 'sse' as const, clients: 10_000, cluster: one, traffic: telemetry };
    const layout = planProcesses(plan, 20_000, 2);
    const conns = connectionsPerClient(plan);
    expect(conns).toBe(2);
    expect((conns * plan.clients) / layout.loadProcesses).toBeLessThan(20_000 * 0.8);
    expect(((2 * conns + 1) * plan.clients) / layout.proxyShards).toBeLessThan(20_000 * 0.8);
    expect(layout.loadProcesses).toBeGreaterThanOrEqual(2);
  });

  it('counts one connection per listening SSE client, two per sending one', () => {
    expect(connectionsPerClient({ contender: 'sse', traffic: ticker })).toBe(1);
    expect(connectionsPerClient({ contender: 'long-polling', traffic: ticker })).toBe(1);
    expect(connectionsPerClient({ contender: 'sse', traffic: telemetry })).toBe(2);
    expect(connectionsPerClient({ contender: 'websocket', traffic: telemetry })).toBe(1);
    expect(connectionsPerClient({ contender: 'socketio', traffic: ticker })).toBe(2);
  });

  it('names the limit and the clients it allows when the server process cannot fit', () => {
    const plan = { contender: 'sse' as const, clients: 10_000, cluster: one, traffic: telemetry };
    const limit = { soft: 20_000, hard: 20_000 };
    const message = fdShortfall(plan, limit, planProcesses(plan, limit.soft, 2));
    expect(message).toMatch(/RLIMIT_NOFILE soft 20000, hard 20000/);
    expect(message).toMatch(/about 9400 such clients fit/);
    const fewer = { ...plan, clients: 8000 };
    expect(fdShortfall(fewer, limit, planProcesses(fewer, limit.soft, 2))).toBeNull();
    const ws = { ...plan, contender: 'websocket' as const };
    expect(fdShortfall(ws, limit, planProcesses(ws, limit.soft, 2))).toBeNull();
  });

  it('adds shards’ meters as one: bytes and bandwidth summed per second', () => {
    const totals = (n: number) => ({
      upstream: { total: n, tls: 0, handshake: n, httpHeaders: 0, framing: 0, envelope: 0, control: 0, payload: 0 },
      downstream: {
        total: 2 * n,
        tls: 0,
        handshake: 0,
        httpHeaders: 0,
        framing: n,
        envelope: 0,
        control: 0,
        payload: n,
      },
    });
    const merged = mergeFigures([
      {
        totals: totals(10),
        counts: { connections: 3, requests: 7 },
        bandwidth: [{ t: 0, upBytesPerSec: 10, downBytesPerSec: 20 }],
        events: [],
      },
      {
        totals: totals(5),
        counts: { connections: 2, requests: 1 },
        bandwidth: [
          { t: 0, upBytesPerSec: 1, downBytesPerSec: 2 },
          { t: 1, upBytesPerSec: 4, downBytesPerSec: 8 },
        ],
        events: [],
      },
    ]);
    expect(merged.totals!.upstream).toMatchObject({ total: 15, handshake: 15 });
    expect(merged.totals!.downstream).toMatchObject({ total: 30, framing: 15, payload: 15 });
    expect(merged.counts).toEqual({ connections: 5, requests: 8 });
    expect(merged.bandwidth).toEqual([
      { t: 0, upBytesPerSec: 11, downBytesPerSec: 22 },
      { t: 1, upBytesPerSec: 4, downBytesPerSec: 8 },
    ]);
  });
});

const scaleRun = (contender: 'websocket' | 'sse' | 'long-polling') => {
  const [plan] = expandScenario(getScenario('scale'), { clients: CLIENTS, contenders: [contender], durationMs: 2500 });
  return runPlan(plan!, { proxyShards: 2, maxWorkers: 2 });
};

const sum = (r: RunResult, key: 'upBytesPerSec' | 'downBytesPerSec') => r.bandwidth.reduce((n, p) => n + p[key], 0);

describe.each(['websocket', 'sse', 'long-polling'] as const)('scale smoke: %s', (contender) => {
  it(
    `${CLIENTS} clients over two proxy and two load processes: all join, nothing lost`,
    { timeout: 90_000 },
    async () => {
      const r = await scaleRun(contender);
      expect(r.status, describeRun(r)).toBe('ok');
      expect(r.finalTransports).toEqual({ [contender]: CLIENTS });
      expect(r.params).toMatchObject({ processes: { load: 2, proxy: 2 } });
      const down = r.delivery.serverToClient;
      expect(down.sent).toBeGreaterThan(0);
      expect(down.received).toBe(down.sent);
      expect(down.lost).toBe(0);
      expect(r.latency.connect!.count).toBe(CLIENTS);
      // Two meters, one account: the merged bandwidth series adds up to the merged totals, byte for byte.
      expect(sum(r, 'downBytesPerSec')).toBe(r.bytes.downstream.total);
      expect(sum(r, 'upBytesPerSec')).toBe(r.bytes.upstream.total);
      expect(r.runner!.proxyCpuPercent).not.toBeNull();
      expect(r.runner!.cpuPercent).toBeGreaterThanOrEqual(0);
    },
  );
});
