import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareToBaseline, parseResults, renderHtml, renderMarkdown, renderTable } from './index.js';
import { endedOn, groupRuns, runKey, runLabel, verdictOf, verdictText } from './groups.js';

const fixture = parseResults(JSON.parse(readFileSync(new URL('./fixtures/small-results.json', import.meta.url), 'utf8')));

describe('groups and verdicts', () => {
  it('groups by scenario, network and middlebox, in first-seen order', () => {
    const groups = groupRuns(fixture.runs);
    expect(groups.map((g) => g.title)).toEqual(['ticker · lan · no middlebox', 'behind-proxy · broadband · block-websocket', 'flaky-link · lan · flaky']);
    expect(groups.map((g) => g.runs.length)).toEqual([6, 5, 3]);
  });

  it('derives the verdict from the numbers: change a figure and the verdict follows', () => {
    const results = structuredClone(fixture);
    const [ticker] = groupRuns(results.runs);
    expect(verdictOf(ticker!).lowestP99).toEqual({ contenders: ['raw-ws'], value: 2.739 });
    results.runs.find((r) => r.scenario === 'ticker' && r.contender === 'sse')!.latency.serverToClient!.p99 = 1;
    expect(verdictOf(groupRuns(results.runs)[0]!).lowestP99).toEqual({ contenders: ['sse'], value: 1 });
  });

  it('says which contenders worked behind the middlebox and where they ended', () => {
    const proxy = groupRuns(fixture.runs)[1]!;
    expect(verdictOf(proxy).middlebox).toEqual({ name: 'block-websocket', works: ['sse', 'long-polling', 'auto → sse', 'socketio → polling'] });
    expect(verdictOf(proxy).troubled).toEqual(['websocket (failed)']);
    expect(verdictText(groupRuns(fixture.runs)[0]!)).not.toMatch(/works behind|not cleanly/);
  });

  it('does not count a contender that lost messages as working behind the middlebox', () => {
    const results = structuredClone(fixture);
    const flakySse = results.runs.find((r) => r.scenario === 'flaky-link' && r.contender === 'sse')!;
    flakySse.delivery.serverToClient.lost = 38;
    flakySse.delivery.clientToServer.outOfOrder = 1;
    expect(verdictText(groupRuns(results.runs)[2]!)).toMatch(
      /works behind flaky: websocket, long-polling; not cleanly: sse \(38 lost, 1 reordered\)\.$/,
    );
  });

  it('marks no best value when every contender ties', () => {
    const flaky = groupRuns(fixture.runs)[2]!;
    expect(verdictText(flaky)).toMatch(/lowest p99 latency: websocket/);
    expect(renderTable(flaky.runs)).not.toMatch(/\*0\b/); // lost = 0 everywhere: nothing to point out
  });

  it('tells variants of one contender apart (params.variant), also against a baseline', () => {
    const results = structuredClone(fixture);
    const auto = results.runs.find((r) => r.scenario === 'behind-proxy' && r.contender === 'auto')!;
    const upgrade = { ...structuredClone(auto), params: { ...auto.params, variant: 'upgrade' } };
    auto.params.variant = 'fallback';
    results.runs.push(upgrade);
    expect([runLabel(auto), runLabel(upgrade)]).toEqual(['auto (fallback)', 'auto (upgrade)']);
    expect(runKey(auto)).not.toBe(runKey(upgrade));
    expect(endedOn(upgrade)).toEqual(['sse']);
    expect(compareToBaseline(results, results).runs).toHaveLength(results.runs.length);
    expect(renderTable(results)).toMatch(/^ {2}auto \(upgrade\) → sse /m);
  });

  it('puts browser-client runs beside the Node-client runs of the same comparison', () => {
    const results = structuredClone(fixture);
    const node = results.runs.find((r) => r.scenario === 'ticker' && r.contender === 'sse')!;
    const browser = { ...structuredClone(node), clientMode: 'browser' as const, clients: 2 };
    browser.bytes.overheadPerMessage = 512;
    browser.browser = { name: 'Chromium 156', userAgent: 'Mozilla/5.0 HeadlessChrome/156', clock: null, cpu: null, pageErrors: [] };
    results.runs.push(browser);
    parseResults(JSON.parse(JSON.stringify(results))); // the optional field validates

    const [ticker] = groupRuns(results.runs);
    expect(ticker!.runs).toContain(browser);
    expect(ticker!.clientModes).toEqual(['node', 'browser']);
    expect([runLabel(node), runLabel(browser)]).toEqual(['sse', 'sse (browser)']);
    expect(runKey(node)).not.toBe(runKey(browser));
    expect(renderTable(results)).toMatch(/^ {2}sse \(browser\) .* 512 B /m);
    expect(renderMarkdown(results)).toMatch(/^\| sse \(browser\) \| .*\| 512 B \|/m);
    const html = renderHtml(results);
    expect(html).toContain('sse (browser)</th>');
    expect(html).toContain('HeadlessChrome/156');
  });

  it('does not repeat a single-transport contender’s own transport', () => {
    const run = structuredClone(fixture.runs[0]!);
    run.contender = 'raw-ws';
    run.finalTransports = { websocket: 4 };
    expect(endedOn(run)).toEqual([]);
    run.contender = 'socketio';
    expect(endedOn(run)).toEqual(['websocket']);
  });
});
