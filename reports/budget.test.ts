import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatMs } from './format.js';
import { BudgetError, evaluateBudgets, loadBudgetFile, parseBudget, parseResults } from './index.js';

const results = parseResults(
  JSON.parse(readFileSync(new URL('./fixtures/small-results.json', import.meta.url), 'utf8')),
);
const run = (scenario: string, contender: string) =>
  results.runs.find((r) => r.scenario === scenario && r.contender === contender)!;

describe('parseBudget', () => {
  it('parses contender, metric, operator, value and unit into base units', () => {
    const budget = parseBudget('websocket.latency.p99 > 50ms');
    expect(budget).toMatchObject({ scenario: null, contender: 'websocket', op: '>', threshold: 50 });
    expect(budget.metric.name).toBe('latency.p99');
    expect(parseBudget('sse.latency.p99 >= 0.5s').threshold).toBe(500);
    expect(parseBudget('long-polling.bytesPerMessage > 900').threshold).toBe(900);
    expect(parseBudget('auto.bytes.total>2KB').threshold).toBe(2000);
    expect(parseBudget('auto.memoryPerConnection > 1.5 MiB').threshold).toBe(1.5 * 1024 * 1024);
    expect(parseBudget('sse.lost > 0')).toMatchObject({ op: '>', threshold: 0 });
  });

  it('takes a scenario prefix, a wildcard and short histogram names', () => {
    const budget = parseBudget('behind-proxy:*.connect.p99 <= 2s');
    expect(budget).toMatchObject({ scenario: 'behind-proxy', contender: '*', op: '<=', threshold: 2000 });
    expect(budget.metric.name).toBe('latency.connect.p99');
    expect(parseBudget('raw-ws.latency.roundTrip.p999 != 3').metric.name).toBe('latency.roundTrip.p999');
  });

  it.each([
    ['websocket.latency.p99 50ms', /no comparison operator/],
    ['websockt.latency.p99 > 50ms', /unknown contender "websockt"/],
    ['websocket.latency.p98 > 50ms', /unknown metric "latency\.p98" \(known: .*bytesPerMessage/],
    ['websocket > 50ms', /expected contender\.metric/],
    ['websocket.latency.p99 > 50KB', /unit "KB" does not fit latency\.p99, which is measured in ms/],
    ['websocket.bytesPerMessage > 5ms', /does not fit bytesPerMessage/],
    ['websocket.latency.p99 > 50 parsecs', /unknown unit "parsecs"/],
    ['websocket.latency.p99 > fast', /expected a number and an optional unit after ">", got "fast"/],
    ['websocket.latency.p99 > 5 > 3', /more than one comparison operator/],
    [':websocket.lost > 0', /empty scenario name/],
  ])('rejects %j', (expression, message) => {
    expect(() => parseBudget(expression)).toThrow(BudgetError);
    expect(() => parseBudget(expression)).toThrow(message);
  });
});

describe('evaluateBudgets', () => {
  it('passes when no matching run exceeds the budget', () => {
    const p99 = run('ticker', 'websocket').latency.serverToClient!.p99;
    const evaluation = evaluateBudgets(results, [parseBudget(`ticker:websocket.latency.p99 > ${p99}ms`)]);
    expect(evaluation).toEqual({ checked: 1, failures: [] });
  });

  it('fails with a line naming the run and the measured value', () => {
    const p99 = run('ticker', 'websocket').latency.serverToClient!.p99;
    const { failures } = evaluateBudgets(results, [parseBudget(`ticker:websocket.latency.p99 > ${p99 - 0.01}ms`)]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.value).toBe(p99);
    expect(failures[0]!.message).toBe(
      `ticker:websocket.latency.p99 > ${p99 - 0.01}ms — ticker · lan · no middlebox · websocket: latency p99 = ${formatMs(p99)}`,
    );
  });

  it('checks every scenario a contender ran in', () => {
    const { checked, failures } = evaluateBudgets(results, [parseBudget('long-polling.bytesPerMessage > 100B')]);
    const runs = results.runs.filter((r) => r.contender === 'long-polling');
    expect(checked).toBe(runs.length);
    expect(failures.map((f) => f.run)).toEqual(runs);
  });

  it('fails a named contender whose run failed: no value is not a pass', () => {
    const { failures } = evaluateBudgets(results, [parseBudget('behind-proxy:websocket.latency.p99 > 10s')]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toMatch(/no value \(run failed: upgrade refused/);
  });

  it('lets * skip failed runs, and fails a budget that matches nothing', () => {
    const wildcard = evaluateBudgets(results, [parseBudget('behind-proxy:*.latency.p99 > 10s')]);
    expect(wildcard.failures).toEqual([]);
    expect(wildcard.checked).toBe(
      results.runs.filter((r) => r.scenario === 'behind-proxy' && r.status !== 'failed').length,
    );
    const none = evaluateBudgets(results, [parseBudget('chat:websocket.lost > 0')]);
    expect(none.failures.map((f) => f.message)).toEqual(['chat:websocket.lost > 0 — matched no run']);
  });

  it('reads budget files and says which expression is wrong', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'budget-test-'));
    await writeFile(
      join(dir, 'good.json'),
      JSON.stringify({ failIf: ['sse.lost > 0', 'websocket.latency.p99 > 50ms'] }),
    );
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ failIf: ['sse.lost > 0', 'sse.lots > 0'] }));
    await writeFile(join(dir, 'shape.json'), JSON.stringify(['sse.lost > 0']));
    expect((await loadBudgetFile(join(dir, 'good.json'))).map((b) => b.source)).toEqual([
      'sse.lost > 0',
      'websocket.latency.p99 > 50ms',
    ]);
    await expect(loadBudgetFile(join(dir, 'bad.json'))).rejects.toThrow(
      /bad\.json: bad budget "sse\.lots > 0": unknown metric/,
    );
    await expect(loadBudgetFile(join(dir, 'shape.json'))).rejects.toThrow(/a budget file is \{"failIf"/);
    await expect(loadBudgetFile(join(dir, 'missing.json'))).rejects.toThrow(BudgetError);
  });
});

describe('bytesPerClientHour', () => {
  const metric = parseBudget('ticker:websocket.bytesPerClientHour > 1MB').metric;

  it('is (wire − handshake bytes) ÷ connected clients ÷ traffic hours, computed from the run', () => {
    const r = run('ticker', 'auto'); // finalTransports: { websocket: 4 }
    const { upstream: up, downstream: down } = r.bytes;
    const connected = r.finalTransports.websocket!;
    const expected = (up.total + down.total - up.handshake - down.handshake) / connected / (r.durationMs / 3_600_000);
    expect(metric.value(r)).toBe(Math.round(expected));
    // A run that moved 1 MB in 10 s with 10 clients connected and no handshakes costs 36 MB per client-hour.
    const synthetic = {
      ...r,
      clients: 10,
      finalTransports: { sse: 6, 'long-polling': 4 },
      durationMs: 10_000,
      bytes: {
        ...r.bytes,
        upstream: { ...up, total: 400_000, handshake: 0 },
        downstream: { ...down, total: 600_000, handshake: 0 },
      },
    };
    expect(metric.value(synthetic)).toBe(36_000_000);
    // Planned 10, but 5 never connected: the 1 MB was the cost of 5 clients, 72 MB per client-hour each.
    const partial = {
      ...synthetic,
      status: 'partial' as const,
      finalTransports: { sse: 3, 'long-polling': 2, 'never-connected': 5 },
    };
    expect(metric.value(partial)).toBe(72_000_000);
    expect(metric.value({ ...synthetic, finalTransports: { 'never-connected': 10 } })).toBeNull();
  });

  it('falls back to the planned clients when the results file has no transport counts', () => {
    const r = run('ticker', 'websocket');
    expect(r.finalTransports).toEqual({});
    const { upstream: up, downstream: down } = r.bytes;
    expect(metric.value(r)).toBe(
      Math.round((up.total + down.total - up.handshake - down.handshake) / r.clients / (r.durationMs / 3_600_000)),
    );
  });
});
