import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ResultsFile } from '../scenarios/results.js';
import { largeResults } from './fixtures/generate.js';
import { groupRuns } from './groups.js';
import { parseResults, renderHtml } from './index.js';
import { METHODS } from './methods.js';
import { repeatRuns } from './testkit.js';

const fixture = parseResults(
  JSON.parse(readFileSync(new URL('./fixtures/small-results.json', import.meta.url), 'utf8')),
);
const page = renderHtml(fixture);

const scripts = (html: string) =>
  [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1]!, body: m[2]! }));
const withoutScripts = (html: string) => html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, '');
const chartData = (html: string) =>
  JSON.parse(scripts(html).find((s) => s.attrs.includes('report-data'))!.body) as { charts: Array<{ id: string }> };

describe('renderHtml', () => {
  it('has a section per comparison with verdict, summary table, charts, delivery; then environment and methods', () => {
    const groups = groupRuns(fixture.runs);
    for (const group of groups) {
      expect(page).toContain(`<h2 id="${group.id}-h">${group.title}</h2>`);
    }
    expect(page.match(/<p class="verdict">For this workload — /g)).toHaveLength(groups.length);
    expect(page.match(/<table class="summary">/g)).toHaveLength(groups.length);
    expect(page.match(/Delivery, checked by sequence number/g)).toHaveLength(groups.length);
    expect(page).toContain(
      'works behind block-websocket: sse, long-polling, auto → sse, socketio → polling; not cleanly: websocket (failed)',
    );
    expect(page).toContain('<h2 id="environment-h">Environment</h2>');
    expect(page).toContain('synthetic fixture — not a measurement');
    for (const [term] of METHODS) expect(page).toContain(`<dt>${term}</dt>`);
    expect(page).toMatch(/tshark/);
    expect(page).toMatch(/HDR histograms/);
  });

  it('draws every chart kind for each comparison, and every chart has its table, open without JavaScript', () => {
    const { charts } = chartData(page);
    const kinds = [
      'percentiles',
      'latency-time',
      'bytes',
      'timings',
      'bandwidth-down',
      'bandwidth-up',
      'cpu',
      'memory',
    ];
    expect(charts.map((c) => c.id)).toEqual(groupRuns(fixture.runs).flatMap((g) => kinds.map((k) => `${g.id}-${k}`)));
    const canvases = [...page.matchAll(/<canvas id="chart-([^"]+)"/g)].map((m) => m[1]);
    expect(canvases).toEqual(charts.map((c) => c.id));
    for (const { id } of charts) {
      expect(page).toMatch(
        new RegExp(`<details id="table-${id}" open><summary>Table: [^<]+</summary><div class="table-wrap"><table`),
      );
    }
    expect(page).toMatch(/^<!doctype html>\n<html lang="en" class="no-js">/);
  });

  it('marks the best value and shows the failed contender with its error', () => {
    const ticker = page.slice(page.indexOf('<h2 id="g1-h">'), page.indexOf('<h2 id="g2-h">'));
    const rawWsRow = ticker.match(/<tr><th scope="row"><span class="sw c-raw-ws"><\/span>raw-ws[\s\S]*?<\/tr>/)![0];
    expect(rawWsRow).toContain(
      '<td class="best"><strong>2.74 ms</strong><span class="star" aria-hidden="true">★</span><span class="vh"> (best)</span></td>',
    );
    expect(page).toMatch(
      /<tr class="failed">.*websocket.*<td colspan="12" class="error">failed: upgrade refused: 403 from proxy &lt;script&gt;/,
    );
  });

  it('escapes data: a <script> or an <img onerror> in a results file stays inert text', () => {
    const hostile = structuredClone(fixture) as ResultsFile;
    hostile.runs[0]!.scenario = '</script><script>window.__injected=1</script>';
    hostile.runs[0]!.events.push({ t: 1, type: '<b>x</b>', detail: '"><img src=x onerror=alert(1)>' });
    hostile.runs[0]!.params.note = "'><svg onload=alert(1)>";
    const html = renderHtml(hostile);
    for (const page_ of [page, html]) {
      expect(page_).not.toContain('<script>window.__injected');
      expect(page_.match(/<script/g)).toHaveLength(3); // data, Chart.js, chart script
      expect(withoutScripts(page_)).not.toMatch(/<(img|svg|b)[\s>]/);
    }
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;window.__injected=1&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&#39;&gt;&lt;svg onload=alert(1)&gt;');
    const data = scripts(html).find((s) => s.attrs.includes('report-data'))!.body;
    expect(data).not.toContain('<');
    expect(JSON.parse(data).charts.some((c: any) => c.markers?.some((m: any) => m.label.includes('<b>x</b>')))).toBe(
      true,
    );
  });

  it('names no URL and references nothing outside the page; the CSP allows exactly its own scripts and styles', () => {
    expect(page).not.toMatch(/https?:\/\//i);
    expect(page).not.toMatch(/sourceMappingURL/);
    const tags = withoutScripts(page).match(/<[a-z][^>]*>/gi)!;
    for (const tag of tags) {
      expect(tag).not.toMatch(/\s(src|href|action|srcset|poster|data)=(?!["']?#)/i);
    }
    const csp = page.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)![1]!;
    expect(csp).toMatch(/^default-src 'none'; /);
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    for (const script of scripts(page).filter((s) => !s.attrs.includes('application/json')))
      expect(csp).toContain(hash(script.body));
    expect(csp).toContain(hash(page.match(/<style>([\s\S]*?)<\/style>/)![1]!));
  });

  it('stays under 1.5 MB for 10 clients × 60 s × 6 contenders, across nine scenarios with 64-point curves', () => {
    const size = Buffer.byteLength(renderHtml(parseResults(largeResults())));
    expect(size).toBeLessThan(1.5e6);
  });

  it('shows changes against a baseline and lists regressions', () => {
    // Three runs of everything on each side, 1 % apart: the noise is measured in both files.
    const baseline = repeatRuns(fixture, 3, 0.01, 7);
    const current = repeatRuns(fixture, 3, 0.01, 8);
    const [first] = fixture.runs;
    for (const run of current.runs.filter((r) => r.scenario === first!.scenario && r.contender === first!.contender))
      run.latency.serverToClient!.p99 *= 2;
    const html = renderHtml(current, { baseline });
    expect(html).toContain('<h2 id="baseline-h">Against the baseline</h2>');
    expect(html).toMatch(/1 regression, 0 improvements/);
    expect(html).toMatch(
      /<li><strong>ticker \| lan \| - \| node \| websocket<\/strong>: latency\.serverToClient\.p99 2\.9\d ms \[[\d.–]+\] → 5\.9\d ms \[[\d.–]+\] \(\+(99|100|101) %\)<\/li>/,
    );
    expect(html).toMatch(
      /<span class="chg worse" title="baseline 2\.9\d ms \[[\d.–]+\]">\+(99|100|101) %<span class="vh"> \(regression\)<\/span><\/span>/,
    );
    expect(renderHtml(current, { baseline: current })).toMatch(
      /0 regressions, 0 improvements beyond the noise measured in both files; 0 verdicts flipped/,
    );
  });
});
