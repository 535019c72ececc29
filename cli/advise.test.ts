import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adviseSuite } from '../scenarios/advise.js';
import { expandScenario } from '../scenarios/plan.js';
import { readWorkload } from './advise.js';

const base = { out: 'x.json', report: 'x.html' };

describe('advise: the workload', () => {
  it('comes from a JSON file, flags on top, with defaults for the rest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'advise-'));
    const file = join(dir, 'chat.json');
    await writeFile(file, JSON.stringify({ name: 'chat', users: 50_000, down: 2, up: 0.2, networks: ['4g', '3g'] }));
    const w = await readWorkload(file, { ...base, up: '0.5', binary: true });
    expect(w).toEqual({
      name: 'chat',
      users: 50_000,
      down: 2,
      up: 0.5,
      payload: 200,
      kind: 'binary',
      networks: ['4g', '3g'],
      restrictiveProxies: false,
      target: 'browser',
      pricePerGB: 0.09,
    });
  });

  it('refuses what it cannot use, naming the field', async () => {
    await expect(readWorkload(undefined, { ...base, down: '0', up: '0' })).rejects.toThrow(/at least one direction/);
    await expect(readWorkload(undefined, { ...base, networks: '5g' })).rejects.toThrow(/Unknown network profile "5g"/);
    await expect(readWorkload(undefined, { ...base, payload: '10' })).rejects.toThrow(/payload/);
    await expect(readWorkload(undefined, { ...base, down: 'fast' })).rejects.toThrow(/--down takes a number/);
    const dir = await mkdtemp(join(tmpdir(), 'advise-'));
    await writeFile(join(dir, 'bad.json'), '{"clientz": 3}');
    await expect(readWorkload(join(dir, 'bad.json'), base)).rejects.toThrow(/clientz/);
    await expect(readWorkload(join(dir, 'missing.json'), base)).rejects.toThrow(/cannot read \(ENOENT\)/);
  });
});

describe('advise: what it runs', () => {
  it('loopback and the networks at full repeat; a flaky mobile link and the proxies once each', async () => {
    const w = await readWorkload(undefined, { ...base, down: '10', up: '1', networks: '4g', proxies: true });
    const suite = adviseSuite(w, { clients: 4, durationMs: 3000 });
    const plans = suite.map((e) => ({ maxRepeat: e.maxRepeat, plans: expandScenario(e.scenario, e.overrides) }));
    expect(plans.map((p) => p.maxRepeat)).toEqual([undefined, 1, 1]);
    expect(new Set(plans[0]!.plans.map((p) => `${p.network} ${p.contender}`))).toEqual(
      new Set([
        'loopback websocket',
        'loopback sse',
        'loopback long-polling',
        '4g websocket',
        '4g sse',
        '4g long-polling',
      ]),
    );
    expect(plans[1]!.plans.every((p) => p.network === '4g' && p.middlebox === 'flaky:2')).toBe(true);
    expect(new Set(plans[2]!.plans.map((p) => p.middlebox))).toEqual(
      new Set(['block-websocket', 'stall-websocket', 'buffer-streaming']),
    );
    expect(plans[2]!.plans.filter((p) => p.contender === 'auto').map((p) => p.strategy)).toEqual(
      expect.arrayContaining(['fallback', 'upgrade']),
    );
    // Both directions at the workload's rates: the server pushes, each client also sends.
    expect(plans[0]!.plans[0]!.traffic).toMatchObject({ pattern: 'push', rate: 10, upstreamRate: 1 });
    const upOnly = await readWorkload(undefined, { ...base, down: '0', up: '5' });
    expect(adviseSuite(upOnly, { clients: 4, durationMs: 3000 })[0]!.scenario.traffic).toMatchObject({
      pattern: 'upstream',
      rate: 5,
    });
  });
});
