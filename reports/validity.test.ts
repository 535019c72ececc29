import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ResultsFile } from '../scenarios/results.js';
import { evaluateBudgets, parseBudget, parseResults, renderHtml, renderMarkdown, renderTable } from './index.js';
import { groupRuns } from './groups.js';
import { bestEntries } from './verdict.js';
import { findMetric } from './metrics.js';
import { invalidReasons } from './validity.js';

const fixture = parseResults(
  JSON.parse(readFileSync(new URL('./fixtures/small-results.json', import.meta.url), 'utf8')),
);

/** The fixture with ticker's sse run measured by a saturated load generator and a tiny p99. */
function saturated(): ResultsFile {
  const results = structuredClone(fixture);
  const sse = results.runs.find((r) => r.scenario === 'ticker' && r.contender === 'sse')!;
  sse.loadGenerator.cpuPercent = 97;
  sse.latency.serverToClient!.p99 = 0.01;
  sse.latency.serverToClient!.p50 = 0.005;
  return results;
}

describe('a saturated load generator or server marks the run invalid', () => {
  it('says why', () => {
    const run = structuredClone(fixture.runs[0]!);
    expect(invalidReasons(run)).toEqual([]);
    run.loadGenerator.cpuPercent = 97;
    run.server.trafficCpuPercent = 95;
    expect(invalidReasons(run)).toEqual(['load generator at 97 % of a core', 'server at 95 % of a core']);
    run.params.throughput = { steps: [] }; // the climb saturates on purpose: its server is not checked
    expect(invalidReasons(run)).toEqual(['load generator at 97 % of a core']);
  });

  it('is never ranked, and is marked in the terminal table, Markdown, HTML and budgets', () => {
    const results = saturated();
    const [ticker] = groupRuns(results.runs);
    expect([...bestEntries(ticker!, findMetric('latency.p99')!)].map((e) => e.label)).not.toContain('sse');

    const table = renderTable(results);
    expect(table).toMatch(/^ {2}sse \(invalid\) +5 µs|^ {2}sse \(invalid\) /m);
    expect(table).toContain('  sse: INVALID, not ranked — load generator at 97 % of a core');
    expect(table).toMatch(/not ranked, invalid: sse \(load generator at 97 % of a core\)/);

    expect(renderMarkdown(results)).toMatch(/^\| sse \(⚠️ invalid, not ranked: load generator at 97 % of a core\) \|/m);
    expect(renderHtml(results)).toContain('invalid, not ranked: load generator at 97 % of a core');

    const { failures } = evaluateBudgets(results, [parseBudget('ticker:sse.latency.p99 > 50ms')]);
    expect(failures.map((f) => f.message)).toEqual([
      'ticker:sse.latency.p99 > 50ms — ticker · lan · no middlebox · sse: invalid, not checked (load generator at 97 % of a core): its figures measure the harness',
    ]);
  });
});
