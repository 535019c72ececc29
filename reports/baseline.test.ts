import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ResultsFile, RunResult } from '../scenarios/results.js';
import { compareToBaseline, findMetric, parseResults, renderMarkdown } from './index.js';
import { compareFigure } from './baseline.js';
import { runKey } from './groups.js';
import { spreadOf } from './noise.js';
import { repeatRuns } from './testkit.js';

const fixture = parseResults(
  JSON.parse(readFileSync(new URL('./fixtures/small-results.json', import.meta.url), 'utf8')),
);
/** The fixture with three runs of everything, 1 % apart: a baseline whose noise is measured. */
const baseline = repeatRuns(fixture, 3, 0.01, 7);
/** Changes a figure in every run of one contender. */
const each = (results: ResultsFile, scenario: string, contender: string, change: (run: RunResult) => void) =>
  results.runs.filter((r) => r.scenario === scenario && r.contender === contender).forEach(change);
const find = (results: ResultsFile, scenario: string, contender: string) =>
  results.runs.find((r) => r.scenario === scenario && r.contender === contender)!;
const change = (comparison: ReturnType<typeof compareToBaseline>, run: RunResult, metric: string) =>
  comparison.forKey(runKey(run))!.figures.find((f) => f.metric.name === metric)!;
/** One run's value as a figure: a Spread of one. */
const one = (value: number) => spreadOf([value]);

describe('compareToBaseline', () => {
  it('finds nothing to report when compared with itself', () => {
    const comparison = compareToBaseline(baseline, baseline);
    expect(comparison.entries).toHaveLength(fixture.runs.length);
    expect(comparison.regressions).toEqual([]);
    expect(comparison.flips).toEqual([]);
    expect(comparison.missing).toEqual([]);
    expect(
      comparison.entries.flatMap((r) => r.figures).every((f) => f.status === 'unchanged' || f.current === null),
    ).toBe(true);
  });

  it('flags changes in the wrong direction beyond noise, and only those', () => {
    const current = structuredClone(baseline);
    const ws = find(current, 'ticker', 'websocket');
    const oldP99 = change(compareToBaseline(baseline, baseline), ws, 'latency.p99').baseline!;
    each(current, 'ticker', 'websocket', (run) => {
      const s2c = run.latency.serverToClient!;
      s2c.p99 *= 1.5; // slower: regression
      s2c.p50 *= 1.2; // within 25 %: noise
      run.bytes.perMessage *= 0.9; // fewer bytes: improvement
      run.delivery.serverToClient.lost = 1; // 0 → 1: any increase is a regression
      run.bytes.messages = Math.round(run.bytes.messages * 0.8); // fewer delivered: higher is better → regression
    });

    const comparison = compareToBaseline(current, baseline);
    expect(change(comparison, ws, 'latency.p99')).toMatchObject({
      status: 'regressed',
      baseline: oldP99,
      delta: expect.closeTo(oldP99 * 0.5, 0),
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
      /^2\.9\d ms \[[\d.–]+\] → 4\.4\d ms \[[\d.–]+\] \(\+50 %\)$/,
    );
  });

  it('shows a jump of max, p99.9 or memory per connection, but does not flag it as a regression', () => {
    const current = structuredClone(baseline);
    const ws = find(current, 'ticker', 'websocket');
    each(current, 'ticker', 'websocket', (run) => {
      run.latency.serverToClient!.max *= 5; // 6.49 ms → 32.4 ms: one slow sample
      run.latency.connect!.p999 *= 3;
      run.server.memoryPerConnectionBytes = -run.server.memoryPerConnectionBytes; // GC freed more than the clients took
    });

    const comparison = compareToBaseline(current, baseline);
    for (const metric of ['latency.serverToClient.max', 'latency.max', 'latency.connect.p999', 'memoryPerConnection']) {
      expect(change(comparison, ws, metric)).toMatchObject({ status: 'changed', delta: expect.any(Number) });
    }
    expect(comparison.regressions).toEqual([]);
    const markdown = renderMarkdown(current, { baseline });
    expect(markdown).toContain(
      '14 contenders matched, no regressions beyond the noise of both files, no verdict flipped.',
    );
    expect(markdown).toMatch(/^\| websocket \|.*-24\.9 KB\S* (★ )?\(−200 %\) \|$/m); // the change is shown, no ⚠️
    expect(markdown.split('\n').filter((line) => line.startsWith('|') && line.includes('⚠️'))).toEqual([]);
  });

  it('treats ok → failed as a regression and lists runs the baseline had but this file lacks', () => {
    const current = structuredClone(baseline);
    const sse = find(current, 'behind-proxy', 'sse');
    each(current, 'behind-proxy', 'sse', (run) => (run.status = 'failed'));
    current.runs = current.runs.filter((r) => !(r.scenario === 'flaky-link' && r.contender === 'long-polling'));
    const comparison = compareToBaseline(current, baseline);
    expect(comparison.forKey(runKey(sse))!.statusChange).toEqual({ from: 'ok', to: 'failed', regressed: true });
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
    expect(compareToBaseline(current, baseline).entries).toEqual([]);
  });
});

describe('compareFigure', () => {
  const p99 = findMetric('latency.p99')!;
  it('the resolution floor: 25 % and 0.5 ms for latency (all of the rule when the runs agree exactly)', () => {
    expect(compareFigure(p99, one(0.55), one(0.1)).status).toBe('unchanged'); // +450 % but only 0.45 ms
    expect(compareFigure(p99, one(0.65), one(0.1)).status).toBe('regressed');
    expect(compareFigure(p99, one(124), one(100)).status).toBe('unchanged');
    expect(compareFigure(p99, one(126), one(100)).status).toBe('regressed');
    expect(compareFigure(p99, one(74), one(100)).status).toBe('improved');
  });
  it('with repeats: only beyond the noise measured in both files', () => {
    const bytes = findMetric('bytesPerMessage')!;
    // +10 %, beyond the 1 % floor, but the baseline's own runs spread by 20 %: the intervals overlap.
    expect(compareFigure(bytes, spreadOf([110, 111, 112]), spreadOf([90, 100, 110])).status).toBe('unchanged');
    // Intervals apart, but the current runs spread (12) more than the medians differ (11).
    expect(compareFigure(bytes, spreadOf([101, 111, 113]), spreadOf([98, 99, 100])).status).toBe('unchanged');
    // Apart, and the gap (50) is larger than either spread (2): a regression.
    expect(compareFigure(bytes, spreadOf([149, 150, 151]), spreadOf([99, 100, 101])).status).toBe('regressed');
    // The same with one file run once: its spread is 0, the other's still counts.
    expect(compareFigure(bytes, spreadOf([150]), spreadOf([99, 100, 101])).status).toBe('regressed');
    expect(compareFigure(bytes, spreadOf([104]), spreadOf([90, 100, 110])).status).toBe('unchanged');
  });
  it('never judges an informational metric, in either direction', () => {
    const max = findMetric('latency.max')!;
    expect(compareFigure(max, one(500), one(10)).status).toBe('changed');
    expect(compareFigure(max, one(1), one(10)).status).toBe('changed');
    expect(compareFigure(max, one(10.4), one(10)).status).toBe('unchanged');
  });
  it('marks figures that appear or disappear', () => {
    expect(compareFigure(p99, one(5), null).status).toBe('new');
    expect(compareFigure(p99, null, one(5)).status).toBe('gone');
  });
});

describe('runs against a baseline', () => {
  it('judges nothing measured once: one run has no noise to judge a change against', () => {
    const current = structuredClone(fixture);
    current.runs.find((r) => r.scenario === 'ticker' && r.contender === 'websocket')!.latency.serverToClient!.p99 *= 3;
    const comparison = compareToBaseline(current, fixture);
    expect(comparison.regressions).toEqual([]);
    expect(comparison.entries.every((e) => !e.judged)).toBe(true);
    const ws = change(comparison, find(current, 'ticker', 'websocket'), 'latency.serverToClient.p99');
    expect(ws.status).toBe('changed'); // shown, not flagged
  });

  const repeated = repeatRuns;

  it('two files of the same contenders, each with its own noise: no regression, no flipped verdict', () => {
    const a = repeated(fixture, 3, 0.2, 1);
    const b = repeated(fixture, 3, 0.2, 2);
    const comparison = compareToBaseline(a, b);
    expect(comparison.entries).toHaveLength(fixture.runs.length);
    expect(comparison.regressions).toEqual([]);
    expect(comparison.flips).toEqual([]);
  });

  it('an injected change far beyond the noise is flagged: +50 B per message on one contender', () => {
    const before = repeated(fixture, 3, 0.2, 1);
    const after = repeated(fixture, 3, 0.2, 2);
    for (const run of after.runs.filter((r) => r.scenario === 'ticker' && r.contender === 'sse'))
      run.bytes.perMessage += 50;
    const comparison = compareToBaseline(after, before);
    expect(comparison.regressions.map((r) => `${r.key}: ${r.what}`)).toEqual([
      'ticker | lan | - | node | sse: bytesPerMessage',
    ]);
  });

  it('names a verdict that flips: one file finds A better beyond noise, the other B', () => {
    const before = repeated(fixture, 3, 0.01, 1);
    const after = repeated(fixture, 3, 0.01, 2);
    for (const run of after.runs.filter((r) => r.scenario === 'ticker' && r.contender === 'long-polling'))
      run.bytes.perMessage = 100; // was 211 B, worse than websocket's 137 B: now better
    const comparison = compareToBaseline(after, before);
    expect(comparison.flips).toContainEqual({
      group: 'ticker · lan · no middlebox',
      metric: 'bytesPerMessage',
      before: { better: 'websocket', worse: 'long-polling' },
      after: { better: 'long-polling', worse: 'websocket' },
    });
  });
});
