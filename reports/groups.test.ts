import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../scenarios/results.js';
import { compareToBaseline, parseResults, renderHtml, renderMarkdown, renderTable } from './index.js';
import { endedOn, groupRuns, runKey, runLabel, type RunGroup } from './groups.js';
import { bestEntries, verdictOf, verdictText } from './verdict.js';
import { findMetric } from './metrics.js';

/** The verdict's winners for one of its figures ("lowest p99 latency"): cohort, names, medians. */
const winners = (group: RunGroup, label = 'lowest p99 latency') =>
  verdictOf(group)
    .figures.find((f) => f.label === label)!
    .winners.map((w) => ({ among: w.among, contenders: w.contenders, values: w.values.map((v) => v.median) }));
const starred = (group: RunGroup, metric: string) => [...bestEntries(group, findMetric(metric)!)].map((e) => e.label);

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
    // One run each: within the 25 % latency floor of each other, websocket, sse, auto → websocket
    // and raw-ws are not measurably apart; each is measurably better than long-polling.
    expect(winners(ticker!)).toEqual([
      {
        among: null,
        contenders: ['websocket', 'sse', 'auto → websocket', 'raw-ws'],
        values: [2.977, 3.334, 3.096, 2.739],
      },
    ]);
    results.runs.find((r) => r.scenario === 'ticker' && r.contender === 'sse')!.latency.serverToClient!.p99 = 1;
    expect(winners(groupRuns(results.runs)[0]!)).toEqual([{ among: null, contenders: ['sse'], values: [1] }]);
  });

  it('ranks websocket and auto → websocket as one transport: starred together, never against each other', () => {
    const results = structuredClone(fixture);
    const ws = tickerRun(results, 'websocket');
    const auto = tickerRun(results, 'auto');
    results.runs = [ws, auto]; // auto ended on websocket: the same transport
    auto.latency.serverToClient!.p99 = ws.latency.serverToClient!.p99 / 3; // "faster" by far: still no claim
    const [group] = groupRuns(results.runs);
    expect(starred(group!, 'latency.p99')).toEqual([]);
    expect(verdictText(group!)).not.toMatch(/lowest p99/);
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
    expect(compareToBaseline(results, results).entries).toHaveLength(results.runs.length);
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
    expect(starred(ticker!, 'latency.p99')).toEqual(['websocket', 'auto', 'raw-ws']);
    expect(verdictText(ticker!)).toMatch(
      /lowest p99 latency: websocket \(2\.98 ms\), auto → websocket \(3\.1 ms\), raw-ws \(2\.74 ms\); fewest bytes\/message: raw-ws \(123 B\); not cleanly: sse \(partial\)\.$/,
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
    addCopy(results, 'sse', browser);
    const [alone] = groupRuns(results.runs);
    // A lone browser run has nothing to be ranked against: no ★, no claim.
    expect(starred(alone!, 'latency.p99')).not.toContain('sse (browser)');
    expect(verdictText(alone!)).toMatch(/lowest p99 latency \(Node clients\): websocket/);
    expect(verdictText(alone!)).not.toMatch(/browser clients/);

    addCopy(results, 'long-polling', (run) => {
      browser(run);
      run.latency.serverToClient!.p99 = 3;
      run.bytes.perMessage = 300;
    });
    const [both] = groupRuns(results.runs);
    expect(winners(both!)).toEqual([
      {
        among: 'Node clients',
        contenders: ['websocket', 'sse', 'auto → websocket', 'raw-ws'],
        values: [2.977, 3.334, 3.096, 2.739],
      },
      { among: 'browser clients', contenders: ['sse (browser)'], values: [0.5] },
    ]);
    expect(verdictText(both!)).toContain('fewest bytes/message (browser clients): sse (browser) (100 B)');
    expect(starred(both!, 'bytesPerMessage')).toEqual(['raw-ws', 'sse (browser)']); // one ★ per client mode
  });

  it('does not rank latency across runs that lead with different histograms', () => {
    const results = structuredClone(fixture);
    const echo = tickerRun(results, 'long-polling');
    echo.latency.roundTrip = { ...echo.latency.serverToClient!, p99: 0.9 };
    echo.latency.serverToClient = null; // leads with round trip now
    const [ticker] = groupRuns(results.runs);
    // Without long-polling in the server→client cohort, only raw-ws is measurably ahead of anyone.
    expect(winners(ticker!)).toEqual([{ among: 'server→client', contenders: ['raw-ws'], values: [2.739] }]); // a round trip of one: no claim
    expect(verdictText(ticker!)).not.toMatch(/long-polling \(0\.9/);
    expect(winners(ticker!, 'fewest bytes/message')).toEqual([
      { among: null, contenders: ['raw-ws'], values: [122.955] },
    ]); // bytes still compare
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
    // auto ended on websocket too: the same transport, starred with it.
    expect(winners(groups[1]!)[0]!.contenders).toEqual([
      'websocket (64 KB, deflate off)',
      'auto (64 KB, deflate off) → websocket',
    ]);
    expect(winners(groups[0]!)[0]!.contenders).not.toContain('websocket (64 KB, deflate off)');
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
