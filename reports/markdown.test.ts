import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateBudgets, parseBudget, parseResults, renderMarkdown } from './index.js';
import { repeatRuns } from './testkit.js';

const fixture = parseResults(
  JSON.parse(readFileSync(new URL('./fixtures/small-results.json', import.meta.url), 'utf8')),
);

describe('renderMarkdown', () => {
  const text = renderMarkdown(fixture);

  it('has a verdict and a key-figure table per comparison, best values marked', () => {
    expect(text).toMatch(/^## transport-lab report\n/);
    expect(text.match(/^### /gm)).toHaveLength(4); // the decision table, then one per comparison
    expect(text).toMatch(
      /### ticker · lan · no middlebox\n\nFor this workload — lowest p50 latency: .*; fewest bytes\/message: raw-ws \(123 B\)\./,
    );
    expect(text).toContain(
      '| contender | p50 | p99 | connect p50 | first msg p50 | bytes/msg | overhead/msg | B/client·h | lost | dup | reordered | CPU/conn | mem/conn |',
    );
    expect(text).toMatch(/^\| raw-ws \| \*\*1\.23 ms\*\* ★ \| \*\*2\.74 ms\*\* ★ \|/m);
    expect(text).toMatch(/^\| auto → sse \| /m);
    // Every row has as many cells as the header, the failed one included.
    const cells = (line: string) => line.split(/(?<!\\)\|/).length;
    const comparisons = text.split('\n### ').filter((block) => !block.startsWith('Decision'));
    const rows = comparisons.flatMap((block) => block.split('\n').filter((line) => line.startsWith('| ')));
    expect(new Set(rows.map(cells)).size).toBe(1);
  });

  it('escapes data so a results file cannot inject HTML or break the table', () => {
    expect(text).toContain(
      '| websocket | ❌ failed: upgrade refused: 403 from proxy &lt;script&gt;window.\\_\\_injected = true&lt;/script&gt;',
    );
    expect(text).not.toMatch(/<script|<img/);
  });

  it('prints budget failures, or that all pass, only when budgets were evaluated', () => {
    expect(text).not.toContain('Budgets');
    expect(renderMarkdown(fixture, { budgetFailures: [] })).toContain('**Budgets:** ✅ all pass');
    const { failures } = evaluateBudgets(fixture, [parseBudget('long-polling.bytesPerMessage > 200')]);
    const failing = renderMarkdown(fixture, { budgetFailures: failures });
    expect(failing).toContain(`**Budgets:** ❌ ${failures.length} failing`);
    expect(failing).toContain(
      '- long-polling.bytesPerMessage &gt; 200 — ticker · lan · no middlebox · long-polling: bytes/message = 211 B',
    );
  });

  it('shows each key figure’s change against a baseline and flags regressions', () => {
    // Three runs of everything on each side, 1 % apart: the noise is measured in both files.
    const baseline = repeatRuns(fixture, 3, 0.01, 7);
    const current = repeatRuns(fixture, 3, 0.01, 8);
    const [first] = fixture.runs;
    for (const run of current.runs.filter((r) => r.scenario === first!.scenario && r.contender === first!.contender))
      run.latency.serverToClient!.p99 *= 1.5;
    const withBaseline = renderMarkdown(current, { baseline });
    expect(withBaseline).toMatch(
      /\*\*Against the baseline\*\* \(2026-01-01T00:00:00\.000Z, commit unknown\): 14 contenders matched, 1 regression beyond the noise of both files, no verdict flipped\./,
    );
    expect(withBaseline).toMatch(
      /^- ⚠️ ticker \\\| lan \\\| - \\\| node \\\| websocket: latency\.serverToClient\.p99 2\.9\d ms \\\[[\d.–]+\\\] → 4\.4\d ms \\\[[\d.–]+\\\] \(\+50 %\)$/m,
    );
    // Each figure: median [interval] (change); the p99 flagged, the rest within noise.
    expect(withBaseline).toMatch(
      /^\| websocket \| \*\*1\.3\d ms \[[\d.–]+\]\*\* ★ \(−?[\d.]+ %\) \| 4\.4\d ms \[[\d.–]+\] \(\+50 % ⚠️\) \|/m,
    );
  });
});
