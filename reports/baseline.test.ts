import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ResultsFile, RunResult } from '../scenarios/results.js';
import { compareToBaseline, findMetric, parseResults, renderMarkdown } from './index.js';
import { compareFigure } from './baseline.js';

const baseline = parseResults(
  JSON.parse(readFileSync(new URL('./fixtures/small-results.json', import.meta.url), 'utf8')),
);
const find = (results: ResultsFile, scenario: string, contender: string) =>
  results.runs.find((r) => r.scenario === scenario && r.contender === contender)!;
const change = (comparison: ReturnType<typeof compareToBaseline>, run: RunResult, metric: string) =>
  comparison.forRun(run)!.figures.find((f) => f.metric.name === metric)!;

describe('compareToBaseline', () => {
  it('finds nothing to report when compared with itself', () => {
    const comparison = compareToBaseline(baseline, baseline);
    expect(comparison.runs).toHaveLength(baseline.runs.length);
    expect(comparison.regressions).toEqual([]);
    expect(comparison.missing).toEqual([]);
    expect(comparison.runs.flatMap((r) => r.figures).every((f) => f.status === 'unchanged' || f.current === null)).toBe(
      true,
    );
  });

  it('flags changes in the wrong direction beyond noise, and only those', () => {
    const current = structuredClone(baseline);
    const ws = find(current, 'ticker', 'websocket');
    const s2c = ws.latency.serverToClient!;
    const oldP99 = s2c.p99;
    s2c.p99 = oldP99 * 1.5; // slower: regression
    s2c.p50 *= 1.2; // within 25 %: noise
    ws.bytes.perMessage *= 0.9; // fewer bytes: improvement
    ws.delivery.serverToClient.lost = 1; // 0 → 1: any increase is a regression
    ws.bytes.messages = Math.round(ws.bytes.messages * 0.8); // fewer delivered: higher is better → regression

    const comparison = compareToBaseline(current, baseline);
    expect(change(comparison, ws, 'latency.p99')).toMatchObject({
      status: 'regressed',
      baseline: oldP99,
      delta: expect.closeTo(oldP99 * 0.5, 6),
    });
    expect(change(comparison, ws, 'latency.p50').status).toBe('unchanged');
    expect(change(comparison, ws, 'bytesPerMessage').status).toBe('improved');
    expect(change(comparison, ws, 'lost')).toMatchObject({ status: 'regressed', baseline: 0, current: 1 });
    expect(change(comparison, ws, 'messages').status).toBe('regressed');
    const key = 'ticker | lan | - | node | websocket';
    expect(
      comparison.regressions
        .filter((r) => r.key === key)
        .map((r) => r.what)
        .sort(),
    ).toEqual(
      ['latency.serverToClient.p99', 'lost', 'messages'].sort(), // latency.p99 is the same figure: listed once
    );
    expect(comparison.regressions.find((r) => r.what === 'latency.serverToClient.p99')!.detail).toMatch(
      /^2\.98 ms → 4\.47 ms \(\+50 %\)$/,
    );
  });

  it('shows a jump of max, p99.9 or memory per connection, but does not flag it as a regression', () => {
    const current = structuredClone(baseline);
    const ws = find(current, 'ticker', 'websocket');
    ws.latency.serverToClient!.max *= 5; // 6.49 ms → 32.4 ms: one slow sample
    ws.latency.connect!.p999 *= 3;
    ws.server.memoryPerConnectionBytes = -ws.server.memoryPerConnectionBytes; // GC freed more than the clients took

    const comparison = compareToBaseline(current, baseline);
    for (const metric of ['latency.serverToClient.max', 'latency.max', 'latency.connect.p999', 'memoryPerConnection']) {
      expect(change(comparison, ws, metric)).toMatchObject({ status: 'changed', delta: expect.any(Number) });
    }
    expect(comparison.regressions).toEqual([]);
    const markdown = renderMarkdown(current, { baseline });
    expect(markdown).toContain('14 runs matched, no regressions.');
    expect(markdown).toMatch(/^\| websocket \|.*-24\.9 KB\S* (★ )?\(−200 %\) \|$/m); // the change is shown, no ⚠️
    expect(markdown.split('\n').filter((line) => line.startsWith('|') && line.includes('⚠️'))).toEqual([]);
  });

  it('treats ok → failed as a regression and lists runs the baseline had but this file lacks', () => {
    const current = structuredClone(baseline);
    const sse = find(current, 'behind-proxy', 'sse');
    sse.status = 'failed';
    current.runs = current.runs.filter((r) => !(r.scenario === 'flaky-link' && r.contender === 'long-polling'));
    const comparison = compareToBaseline(current, baseline);
    expect(comparison.forRun(sse)!.statusChange).toEqual({ from: 'ok', to: 'failed', regressed: true });
    expect(comparison.regressions).toContainEqual({
      key: 'behind-proxy | broadband | block-websocket | node | sse',
      what: 'status',
      detail: 'ok → failed',
    });
    expect(comparison.missing).toEqual(['flaky-link | lan | flaky | node | long-polling']);
  });

  it('does not match runs from another network', () => {
    const current = structuredClone(baseline);
    for (const run of current.runs) run.network = { ...run.network, name: 'satellite' };
    expect(compareToBaseline(current, baseline).runs).toEqual([]);
  });
});

describe('compareFigure', () => {
  const p99 = findMetric('latency.p99')!;
  it('uses the larger of the relative and absolute noise: 25 % and 0.5 ms for latency', () => {
    expect(compareFigure(p99, 0.55, 0.1).status).toBe('unchanged'); // +450 % but only 0.45 ms
    expect(compareFigure(p99, 0.65, 0.1).status).toBe('regressed');
    expect(compareFigure(p99, 124, 100).status).toBe('unchanged');
    expect(compareFigure(p99, 126, 100).status).toBe('regressed');
    expect(compareFigure(p99, 74, 100).status).toBe('improved');
  });
  it('never judges an informational metric, in either direction', () => {
    const max = findMetric('latency.max')!;
    expect(compareFigure(max, 500, 10).status).toBe('changed');
    expect(compareFigure(max, 1, 10).status).toBe('changed');
    expect(compareFigure(max, 10.4, 10).status).toBe('unchanged');
  });
  it('marks figures that appear or disappear', () => {
    expect(compareFigure(p99, 5, null).status).toBe('new');
    expect(compareFigure(p99, null, 5).status).toBe('gone');
  });
});
