/**
 * The claims' verdicts follow their criteria: synthetic runs (copies of the fixture's, renamed and
 * given the figures a claim reads) — nothing here is a measurement; `transport-lab claims` makes those.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ResultsFile, RunResult } from '../scenarios/results.js';
import { evaluateClaims, hasClaims } from './claims.js';
import { renderClaimsMarkdown } from './claims-render.js';
import { parseResults } from './load.js';
import { renderHtml } from './html/render.js';

const fixture = parseResults(
  JSON.parse(readFileSync(new URL('./fixtures/small-results.json', import.meta.url), 'utf8')),
);
const template = fixture.runs.find((r) => r.scenario === 'ticker' && r.contender === 'websocket')!;

function run(
  scenario: string,
  contender: RunResult['contender'],
  change: (r: RunResult) => void = () => {},
): RunResult {
  const r = structuredClone(template);
  Object.assign(r, { scenario, contender, middlebox: null, clientMode: 'node' });
  change(r);
  return r;
}
const results = (runs: RunResult[]): ResultsFile => ({ ...fixture, runs });
const claim = (file: ResultsFile, stated: string) => evaluateClaims(file).claims.find((c) => c.stated === stated)!;

describe('the classic claims', () => {
  it('Kaazing: header bytes per poll from browser runs, and the Mbit/s table', () => {
    const file = results([
      run('claims-headers', 'long-polling', (r) => {
        r.clientMode = 'browser';
        r.bytes.requests = 10;
        r.bytes.upstream.httpHeaders = 6000;
        r.bytes.downstream.httpHeaders = 3000; // 900 B per poll
      }),
      run('claims-headers', 'websocket', (r) => {
        r.clientMode = 'browser';
        r.delivery.serverToClient.received = 100;
        r.bytes.downstream.framing = 200; // 2 B per message
      }),
    ]);
    const report = evaluateClaims(file);
    expect(report.claims[0]).toMatchObject({ stated: '871 B per poll vs 2 B per frame', verdict: 'held' });
    expect(report.claims[0]!.measured).toMatch(/^Chromium: 900 B of HTTP heads per poll/);
    // Kaazing's own figures: 871 B × 8 × 100,000 / 2^20 = 664.5; 2 B → 1.526.
    expect(report.kaazing[2]!.statedPolling).toBeCloseTo(664.5, 1);
    expect(report.kaazing[2]!.statedWebSocket).toBeCloseTo(1.526, 3);
    expect(report.kaazing[2]!.measuredPolling).toBeCloseTo((900 * 8 * 100_000) / 2 ** 20, 6);
    expect(hasClaims(file)).toBe(true);
  });

  it('frame headers: 2 B down and 6 B up per data frame held, close frames counted apart; anything else did not', () => {
    const frames = (down: number, up: number, connections?: number) =>
      results([
        run('claims-frames', 'raw-ws', (r) => {
          r.delivery.serverToClient.received = 32;
          r.delivery.clientToServer.received = 32;
          r.bytes.connections = connections;
          // One close frame each way per connection: 2 B down, 6 B up (masked).
          r.bytes.downstream.framing = down * 32 + (connections ?? 0) * 2;
          r.bytes.upstream.framing = up * 32 + (connections ?? 0) * 6;
        }),
      ]);
    const held = claim(frames(2, 6, 2), '2 B down, 6 B up');
    expect(held.verdict).toBe('held');
    expect(held.measured).toBe(
      '2.00 B down, 6.00 B up per data frame (2.13 / 6.38 per message with the close frames of 2 connections)',
    );
    expect(claim(frames(2, 8, 2), '2 B down, 6 B up').verdict).toBe('did not hold');
    expect(claim(frames(2, 6), '2 B down, 6 B up').verdict).toBe('held'); // no connection count: per message
  });

  it('drops: raw ws loses messages, ours do not → held; a loss on ours → did not hold', () => {
    const drop = (oursLost: number) =>
      results([
        run('claims-drop', 'raw-ws', (r) => (r.delivery.serverToClient.lost = 12)),
        run('claims-drop', 'websocket', (r) => (r.delivery.serverToClient.lost = oursLost)),
        run('claims-drop', 'sse'),
      ]);
    expect(claim(drop(0), 'plain ws loses messages; resume loses none').verdict).toBe('held');
    expect(claim(drop(1), 'plain ws loses messages; resume loses none').verdict).toBe('did not hold');
  });

  it('proxies: held only when each transport gets through exactly where the claim says', () => {
    const behind = (middlebox: string, contender: RunResult['contender'], ok: boolean) =>
      run('claims-proxies', contender, (r) => {
        r.middlebox = middlebox;
        if (!ok) r.status = 'failed';
      });
    const stated =
      'WebSocket ✗ behind refusing/stalling proxies, SSE ✗ behind buffering ones, long-polling ✓, fallback ✓';
    const asClaimed = [
      behind('block-websocket', 'websocket', false),
      behind('block-websocket', 'sse', true),
      behind('buffer-streaming', 'sse', false),
      behind('buffer-streaming', 'long-polling', true),
      behind('buffer-streaming', 'auto', true),
    ];
    expect(claim(results(asClaimed), stated).verdict).toBe('held');
    const surprise = [...asClaimed, behind('stall-websocket', 'websocket', true)];
    expect(claim(results(surprise), stated)).toMatchObject({ verdict: 'did not hold' });
    expect(claim(results(surprise), stated).measured).toMatch(/not as claimed: websocket behind stall-websocket/);
  });

  it('says "not measured" without the runs, and renders docs/claims.md and the report section', () => {
    const empty = results([]);
    expect(evaluateClaims(empty).claims.every((c) => c.verdict === 'not measured')).toBe(true);
    expect(hasClaims(empty)).toBe(false);
    const file = results([run('claims-frames', 'raw-ws')]);
    const markdown = renderClaimsMarkdown(evaluateClaims(file), file, 'npm run claims');
    expect(markdown).toMatch(/^# The classic claims, measured\n\nGenerated by `npm run claims` from a real run/);
    expect(markdown).toContain('| 100,000 | 664.5 | — | 1.526 | — |'); // Kaazing rounds to 665
    expect(renderHtml(file)).toContain('<h2 id="claims-h">The classic claims, measured</h2>');
  });
});
