import { describe, expect, it } from 'vitest';
import { defineScenario, parseNodeFaults, ScenarioError } from './define.js';
import { LIBRARY } from './library/index.js';
import { expandScenario } from './plan.js';
import { getSuite } from './suites.js';

const base = {
  name: 'demo',
  description: 'A scenario used by the tests, long enough to pass the description check.',
  clients: 2,
  duration: '1s',
  payload: { bytes: 100 },
  traffic: { pattern: 'echo', rate: 10 },
} as const;

describe('defineScenario', () => {
  it('fills defaults and parses durations', () => {
    const s = defineScenario({ ...base, clients: { count: 3, rampMs: '1.5s' } });
    expect(s.duration).toBe(1000);
    expect(s.clients).toEqual({ count: 3, rampMs: 1500 });
    expect(s.payload).toEqual({ bytes: [100], kind: 'text' });
    expect(s.network).toEqual(['loopback']);
    expect(s.middlebox).toEqual([null]);
    expect(s.contenders).toHaveLength(8);
  });

  it('accepts its own output again (scenario files are re-validated)', () => {
    const once = defineScenario({ ...base, middlebox: ['flaky:2', null], compression: [false, true] });
    expect(defineScenario(once as never)).toEqual(once);
  });

  it('names every bad field in one error', () => {
    const bad = {
      ...base,
      name: 'Bad Name',
      payload: { bytes: 10, kind: 'xml' },
      network: 'mars',
      middlebox: 'flaky:-1',
    };
    let error: unknown;
    try {
      defineScenario(bad as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const message = (error as Error).message;
    for (const field of ['name', 'payload.bytes', 'payload.kind']) expect(message).toContain(`at ${field}`);
  });

  it('checks network and middlebox names against the proxy', () => {
    expect(() => defineScenario({ ...base, network: 'mars' })).toThrow(/Unknown network profile "mars"/);
    expect(() => defineScenario({ ...base, middlebox: 'firewall' })).toThrow(/Unknown middlebox "firewall"/);
    expect(() => defineScenario({ ...base, duration: undefined })).toThrow(/duration or a message count/);
  });
});

describe('expandScenario', () => {
  it('makes one plan per contender × network × middlebox × variant; strategy only for auto', () => {
    const s = defineScenario({
      ...base,
      contenders: ['auto', 'websocket'],
      network: ['loopback', '4g'],
      strategy: ['fallback', 'upgrade'],
      payload: { bytes: [100, 1024] },
    });
    const plans = expandScenario(s);
    expect(plans).toHaveLength(2 * 2 * (2 + 1));
    expect(plans.filter((p) => p.contender === 'websocket').map((p) => p.strategy)).not.toContain('upgrade');
    expect(plans.find((p) => p.contender === 'auto' && p.strategy === 'upgrade')).toMatchObject({
      variant: '100 B, upgrade',
      workload: '100 B',
    });
  });

  it('lets overrides trim the matrix', () => {
    const plans = expandScenario(defineScenario(base), { contenders: ['raw-ws'], clients: 5, durationMs: 250 });
    expect(plans).toEqual([expect.objectContaining({ contender: 'raw-ws', clients: 5, durationMs: 250 })]);
  });
});

it('ships a valid library and default suite', () => {
  expect([...LIBRARY.keys()]).toEqual([
    'chat',
    'ticker',
    'notifications',
    'telemetry',
    'large-payload',
    'binary',
    'behind-proxy',
    'flaky-link',
    'throughput',
    'cluster',
    'scale',
  ]);
  for (const s of LIBRARY.values()) expect(s.description.length).toBeGreaterThan(100);
  const planned = getSuite('default').flatMap((e) => expandScenario(e.scenario, e.overrides));
  const seconds = planned.reduce((sum, p) => sum + p.durationMs / 1000, 0);
  expect(seconds).toBeLessThan(90); // traffic time; set-up adds ~1–2 s per run
});

it('expands clusters: nodes × balancer (clusters only), Redis for clusters, node faults where the node exists', () => {
  const s = defineScenario({
    name: 'c',
    description: 'A cluster of several nodes behind a balancer, for the expansion test of the plan.',
    clients: 4,
    duration: '1s',
    payload: { bytes: 100 },
    traffic: { pattern: 'fanout', rate: 1 },
    contenders: ['websocket'],
    nodes: [1, 3],
    balancer: ['round-robin', 'sticky'],
    nodeFaults: [{ type: 'kill-node', node: 2, at: '2s' }],
  });
  const plans = expandScenario(s);
  expect(plans.map((p) => [p.cluster, p.variant])).toEqual([
    [{ nodes: 1, balancer: null, backplane: 'memory', faults: [] }, '1 node'],
    [
      { nodes: 3, balancer: 'round-robin', backplane: 'redis', faults: [{ type: 'kill-node', node: 2, at: 2000 }] },
      '3 nodes, round-robin, kill-node 2@2s',
    ],
    [
      { nodes: 3, balancer: 'sticky', backplane: 'redis', faults: [{ type: 'kill-node', node: 2, at: 2000 }] },
      '3 nodes, sticky, kill-node 2@2s',
    ],
  ]);
  expect(expandScenario(s, { nodes: [1], backplanes: ['memory', 'redis'] }).map((p) => p.variant)).toEqual([
    '1 node, memory',
    '1 node, redis',
  ]);
  expect(parseNodeFaults('kill-node:1@4s,restart-node:1@7500ms')).toEqual([
    { type: 'kill-node', node: 1, at: 4000 },
    { type: 'restart-node', node: 1, at: 7500 },
  ]);
  expect(() => parseNodeFaults('kill:1')).toThrow(/kill-node:N@time/);
  expect(() => defineScenario({ ...s, traffic: { pattern: 'push', rate: 1 } })).toThrow(/use broadcast on a cluster/);
});
