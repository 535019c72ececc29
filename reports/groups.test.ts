import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../scenarios/results.js';
import { compareToBaseline, parseResults, renderHtml, renderMarkdown, renderTable } from './index.js';
import { bestRuns, endedOn, groupRuns, runKey, runLabel, verdictOf, verdictText } from './groups.js';
import { findMetric } from './metrics.js';

const fixture = parseResults(
  JSON.parse(readFileSync(new URL('./fixtures/small-results.json', import.meta.url), 'utf8')),
);
const tickerRun = (results: { runs: RunResult[] }, contender: string) =>
  results.runs.find((r) => r.scenario === 'ticker' && r.contender === contender && r.clientMode === 'node')!;
/** A copy of a ticker run as another run of the same comparison, added to the results. */
const addCopy = (results: { runs: RunResult[] }, contender: string, change: (run: RunResult) => void) => {
  const run = structuredClone(tickerRun(results, contender));
  change(run);
  results.runs.push(run);
  return run;
};

describe('groups and verdicts', () => {
  it('groups by scenario, network and middlebox, in first-seen order', () => {
    const groups = groupRuns(fixture.runs);
    expect(groups.map((g) => g.title)).toEqual([
      'ticker · lan · no middlebox',
      'behind-proxy · broadband · block-websocket',
      'flaky-link · lan · flaky',
    ]);
    expect(groups.map((g) => g.runs.length)).toEqual([6, 5, 3]);
  });

  it('derives the verdict from the numbers: change a figure and the verdict follows', () => {
    const results = structuredClone(fixture);
    const [ticker] = groupRuns(results.runs);
    expect(verdictOf(ticker!).lowestP99).toEqual([{ among: null, contenders: ['raw-ws'], value: 2.739 }]);
    results.runs.find((r) => r.scenario === 'ticker' && r.contender === 'sse')!.latency.serverToClient!.p99 = 1;
    expect(verdictOf(groupRuns(results.runs)[0]!).lowestP99).toEqual([{ among: null, contenders: ['sse'], value: 1 }]);
  });

  it('says which contenders worked behind the middlebox and where they ended', () => {
    const proxy = groupRuns(fixture.runs)[1]!;
    expect(verdictOf(proxy).middlebox).toEqual({
      name: 'block-websocket',
      works: ['sse', 'long-polling', 'auto → sse', 'socketio → polling'],
    });
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
    browser.browser = {
      name: 'Chromium 156',
      userAgent: 'Mozilla/5.0 HeadlessChrome/156',
      clock: null,
      cpu: null,
      pageErrors: [],
    };
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

  it('ranks only completed runs: a partial run with a tiny p99 is neither ★ nor named in the verdict', () => {
    const results = structuredClone(fixture);
    const sse = tickerRun(results, 'sse');
    sse.status = 'partial';
    sse.error = '2 of 4 clients connected within 5000 ms';
    sse.latency.serverToClient!.p99 = 0.01;
    sse.bytes.perMessage = 1;
    const [ticker] = groupRuns(results.runs);
    expect(bestRuns(ticker!.runs, findMetric('latency.p99')!)).toEqual(new Set([tickerRun(results, 'raw-ws')]));
    expect(verdictText(ticker!)).toMatch(
      /lowest p99 latency: raw-ws \(2\.74 ms\); lowest bytes\/message: raw-ws \(123 B\); not cleanly: sse \(partial\)\.$/,
    );
    expect(renderTable(results)).toMatch(/^ {2}sse \(partial\) +1\.\d+ ms +0\.01 ms /m); // shown, not starred
    expect(renderMarkdown(results)).toMatch(
      /^\| sse \(partial: 2 of 4 clients connected within 5000 ms\) \| [\d.]+ ms \| 0\.01 ms \|/m,
    );
  });

  it('ranks browser runs against browser runs and Node runs against Node runs', () => {
    const results = structuredClone(fixture);
    const browser = (run: RunResult) => {
      run.clientMode = 'browser';
      run.latency.serverToClient!.p99 = 0.5; // better than every Node run: must not beat them
      run.bytes.perMessage = 100;
    };
    const sseBrowser = addCopy(results, 'sse', browser);
    const [alone] = groupRuns(results.runs);
    // A lone browser run has nothing to be ranked against: no ★, no claim.
    expect(bestRuns(alone!.runs, findMetric('latency.p99')!).has(sseBrowser)).toBe(false);
    expect(verdictText(alone!)).toMatch(
      /^For this workload — lowest p99 latency \(Node clients\): raw-ws \(2\.74 ms\); lowest bytes\/message \(Node clients\): raw-ws \(123 B\)\.$/,
    );

    addCopy(results, 'websocket', (run) => {
      browser(run);
      run.latency.serverToClient!.p99 = 0.7;
      run.bytes.perMessage = 90;
    });
    const [both] = groupRuns(results.runs);
    expect(verdictOf(both!).lowestP99).toEqual([
      { among: 'Node clients', contenders: ['raw-ws'], value: 2.739 },
      { among: 'browser clients', contenders: ['sse (browser)'], value: 0.5 },
    ]);
    expect(verdictText(both!)).toContain('lowest bytes/message (browser clients): websocket (browser) (90 B)');
    const p99 = bestRuns(both!.runs, findMetric('latency.p99')!);
    expect([...p99].map(runLabel)).toEqual(['raw-ws', 'sse (browser)']); // one ★ per client mode
  });

  it('does not rank latency across runs that lead with different histograms', () => {
    const results = structuredClone(fixture);
    const echo = tickerRun(results, 'long-polling');
    echo.latency.roundTrip = { ...echo.latency.serverToClient!, p99: 0.9 };
    echo.latency.serverToClient = null; // leads with round trip now
    const [ticker] = groupRuns(results.runs);
    const verdict = verdictOf(ticker!);
    expect(verdict.lowestP99).toEqual([{ among: 'server→client', contenders: ['raw-ws'], value: 2.739 }]); // a round trip of one: no claim
    expect(verdictText(ticker!)).not.toMatch(/long-polling \(0\.9/);
    expect(verdict.lowestBytesPerMessage).toEqual([{ among: null, contenders: ['raw-ws'], value: 122.955 }]); // bytes still compare
  });

  it('makes each workload variant (payload size, compression) its own comparison; the strategy stays a contender variant', () => {
    const results = structuredClone(fixture);
    const large = results.runs
      .filter((r) => r.scenario === 'ticker')
      .flatMap((run) =>
        ['64 KB, deflate on', '64 KB, deflate off'].map((variant) => ({
          ...structuredClone(run),
          scenario: 'large-payload',
          params: { ...run.params, strategy: 'fallback', variant, workload: variant },
        })),
      );
    large[1]!.latency.serverToClient!.p99 = 0.1; // websocket, deflate off: not comparable with deflate on
    const upgrade = { ...structuredClone(large[0]!), contender: 'auto' as const };
    upgrade.params = {
      ...upgrade.params,
      strategy: 'upgrade',
      variant: '64 KB, deflate on, upgrade',
      workload: '64 KB, deflate on',
    };
    results.runs.push(...large, upgrade);

    const groups = groupRuns(results.runs).filter((g) => g.scenario === 'large-payload');
    expect(groups.map((g) => g.title)).toEqual([
      'large-payload · lan · no middlebox · 64 KB, deflate on',
      'large-payload · lan · no middlebox · 64 KB, deflate off',
    ]);
    expect(groups.map((g) => g.runs.length)).toEqual([7, 6]);
    expect(groups[0]!.runs).toContain(upgrade);
    expect(verdictOf(groups[0]!).lowestP99[0]!.contenders).toEqual(['raw-ws (64 KB, deflate on)']);
    expect(verdictOf(groups[1]!).lowestP99[0]!.contenders).toEqual(['websocket (64 KB, deflate off)']);
    expect(renderMarkdown(results)).toContain('### large-payload · lan · no middlebox · 64 KB, deflate off');
    // behind-proxy's auto (fallback) and auto (upgrade) are one comparison with the other contenders.
    const proxy = tickerRun(results, 'sse'); // any run: variants without a workload part
    expect(
      groupRuns([
        {
          ...proxy,
          contender: 'auto',
          params: { ...proxy.params, strategy: 'upgrade', variant: 'upgrade', workload: null },
        },
        proxy,
      ]),
    ).toHaveLength(1);
  });
});
