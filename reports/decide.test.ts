import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ResultsFile, RunResult } from '../scenarios/results.js';
import { parseResults } from './load.js';
import { decide } from './decide.js';
import { renderDecisionMarkdown, renderDecisionText } from './decide-render.js';
import { renderHtml } from './html/render.js';
import { renderMarkdown } from './markdown.js';

const fixture = parseResults(
  JSON.parse(readFileSync(new URL('./fixtures/small-results.json', import.meta.url), 'utf8')),
);
const workload = { clients: 50_000, pricePerGB: 0.1, restrictiveProxies: true };

/** ticker's runs, plus the fixture's behind-proxy runs as ticker behind block-websocket. */
function tickerBehindProxy(): ResultsFile {
  const results = structuredClone(fixture);
  const ticker = results.runs.filter((r) => r.scenario === 'ticker');
  const proxied = results.runs
    .filter((r) => r.scenario === 'behind-proxy')
    .map((r) => ({ ...r, scenario: 'ticker', params: { ...r.params, strategy: 'fallback' } }));
  return { ...results, runs: [...ticker, ...proxied] };
}

describe('decide', () => {
  it('picks the transport no other beats beyond noise, and says where it wins', () => {
    const [ticker] = decide(fixture, workload);
    expect(ticker!.headline).toBe('Use websocket');
    expect(ticker!.use).toEqual({ transport: 'websocket', contender: 'websocket', strategy: null });
    expect(ticker!.because.join('\n')).toMatch(/better than long-polling — latency p50 on lan: 1\.33 ms vs 2\.77 ms/);
    expect(ticker!.because.join('\n')).toMatch(/better than sse — bytes\/message on lan: 137 B vs 192 B/);
    expect(ticker!.caveats).toContain(
      'must work behind restrictive proxies, but none was in this scenario: run it behind block-websocket, stall-websocket and buffer-streaming (advise does)',
    );
  });

  it('prices the bandwidth: bytes per client-hour × 730 h × clients × $/GB', () => {
    const [ticker] = decide(fixture, workload);
    const ws = ticker!.costs.find((c) => c.label === 'websocket')!;
    const run = fixture.runs.find((r) => r.scenario === 'ticker' && r.contender === 'websocket')!;
    const perHour =
      (run.bytes.upstream.total +
        run.bytes.downstream.total -
        run.bytes.upstream.handshake -
        run.bytes.downstream.handshake) /
      run.clients /
      (run.durationMs / 3_600_000);
    expect(ws.bytesPerClientMonth).toBeCloseTo(Math.round(perHour) * 730, 0);
    expect(ws.monthly!.gigabytes).toBeCloseTo((ws.bytesPerClientMonth! * 50_000) / 1e9, 6);
    expect(ws.monthly!.dollars).toBeCloseTo(ws.monthly!.gigabytes * 0.1, 6);
  });

  it('behind a proxy that stops the pick, recommends the fallback list with the strategy that measured best', () => {
    const results = tickerBehindProxy();
    const upgrade = structuredClone(results.runs.find((r) => r.middlebox && r.contender === 'auto')!);
    upgrade.params = { ...upgrade.params, strategy: 'upgrade', variant: 'upgrade' };
    upgrade.latency.firstMessage = { ...upgrade.latency.firstMessage!, p50: 40 }; // fallback: 287 ms
    results.runs.push(upgrade);
    const [ticker] = decide(results, workload);
    expect(ticker!.use).toEqual({ transport: 'websocket', contender: 'auto', strategy: 'upgrade' });
    expect(ticker!.headline).toBe("Use websocket through our client's fallback list (auto, strategy: upgrade)");
    expect(ticker!.because[0]).toMatch(/^websocket pinned did not come through block-websocket/);
    expect(ticker!.because.join('\n')).toMatch(
      /strategy upgrade: behind block-websocket, the first message came after 40 ms with upgrade, 287 ms with fallback/,
    );
    const ws = ticker!.costs.find((c) => c.label === 'websocket')!;
    expect(ws.breaks).toEqual([{ middlebox: 'block-websocket', what: 'failed' }]);
    expect(ticker!.proxies[0]!.results.find((r) => r.label === 'websocket')).toMatchObject({ works: false });
  });

  it('judges each strategy by its slowest start: seconds of stall behind one proxy outweigh a little time behind another', () => {
    const results = tickerBehindProxy();
    const stalled = results.runs
      .filter((r) => r.middlebox === 'block-websocket')
      .map((r) => ({ ...structuredClone(r), middlebox: 'stall-websocket' }));
    results.runs.push(...stalled);
    const auto = (middlebox: string) => results.runs.find((r) => r.middlebox === middlebox && r.contender === 'auto')!;
    const firstMessage = (run: RunResult, p50: number) =>
      (run.latency.firstMessage = { ...run.latency.firstMessage!, p50 });
    firstMessage(auto('stall-websocket'), 4000); // fallback waits out the stalled WebSocket
    for (const [middlebox, p50] of [
      ['block-websocket', 320], // upgrade a little later than fallback's 287 ms here
      ['stall-websocket', 30],
    ] as const) {
      const upgrade = structuredClone(auto(middlebox));
      upgrade.params = { ...upgrade.params, strategy: 'upgrade', variant: 'upgrade' };
      firstMessage(upgrade, p50);
      results.runs.push(upgrade);
    }
    const [ticker] = decide(results, workload);
    expect(ticker!.use?.strategy).toBe('upgrade');
    expect(ticker!.because.join('\n')).toMatch(
      /slowest start: upgrade 320 ms behind block-websocket, fallback 4 s behind stall-websocket/,
    );
  });

  it('keeps fallback when upgrade is not measurably sooner', () => {
    const [ticker] = decide(tickerBehindProxy(), workload);
    expect(ticker!.use?.strategy).toBe('fallback');
  });

  it('does not pick a transport whose runs lost messages or were invalid', () => {
    const results = structuredClone(fixture);
    const ws = results.runs.find((r: RunResult) => r.scenario === 'ticker' && r.contender === 'websocket')!;
    ws.delivery.serverToClient.lost = 3;
    const sse = results.runs.find((r: RunResult) => r.scenario === 'ticker' && r.contender === 'sse')!;
    sse.loadGenerator.cpuPercent = 99;
    const [ticker] = decide(results, workload);
    expect(ticker!.use?.contender).toBe('long-polling');
    expect(ticker!.because).toContain('websocket did not come through cleanly: 3 lost');
    expect(ticker!.because).toContain('sse did not come through cleanly: invalid runs only');
  });

  it('is the first screen of the advice (terminal, Markdown, HTML) and a one-row-per-scenario table in compare', () => {
    const advised = { ...fixture, decision: workload };
    const text = renderDecisionText(decide(advised, workload));
    expect(text.split('\n')[0]).toBe('ticker: Use websocket');
    expect(text).toMatch(/50,000 clients\/month \(at \$0\.1\/GB\)/);
    expect(renderDecisionMarkdown(decide(advised, workload))).toMatch(/^### ticker: Use websocket\n/);
    expect(renderMarkdown(advised)).toMatch(/^## transport-lab report\n\n.*\n\n### ticker: Use websocket\n/);
    expect(renderMarkdown(fixture)).toMatch(
      /\n### Decision\n\n\| scenario \| use \| because \(first reason\) \|\n\|---\|---\|---\|\n\| ticker \| \*\*Use websocket\*\* \|/,
    );
    const page = renderHtml(fixture);
    expect(page.indexOf('id="decision"')).toBeGreaterThan(0);
    expect(page.indexOf('id="decision"')).toBeLessThan(page.indexOf('<nav aria-label="Comparisons">'));
  });
});
