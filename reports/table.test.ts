import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseResults, renderTable } from './index.js';

const fixture = parseResults(
  JSON.parse(readFileSync(new URL('./fixtures/small-results.json', import.meta.url), 'utf8')),
);

describe('renderTable', () => {
  const text = renderTable(fixture);
  const lines = text.split('\n');

  it('prints one aligned block per comparison with the verdict', () => {
    expect(lines[0]).toBe('ticker · lan · no middlebox');
    expect(lines[1]).toMatch(
      /^ {2}contender +p50 +p99 +connect p50 +first msg p50 +bytes\/msg +overhead\/msg +B\/client·h +lost +dup +reordered +CPU\/conn +mem\/conn$/,
    );
    const block = lines.slice(1, 8);
    expect(new Set(block.map((l) => l.length)).size).toBe(1); // columns line up
    expect(text).toMatch(/^ {2}raw-ws +\*1\.23 ms +\*2\.74 ms /m);
    expect(text).toMatch(/^ {2}long-polling +2\.77 ms +6\.19 ms /m); // measurably worse than others: no ★
    expect(text).toContain('; fewest bytes/message: raw-ws (123 B).');
  });

  it('shows a failed run without figures, and its error', () => {
    expect(text).toMatch(/^ {2}websocket \(failed\)( +—){12}$/m);
    expect(text).toContain('  websocket: upgrade refused: 403 from proxy <script>');
  });

  it('takes bare runs too, and strips terminal control characters from data', () => {
    const runs = structuredClone(fixture.runs.slice(0, 2));
    runs[0]!.scenario = 'evil\u001b[2J';
    expect(renderTable(runs)).toMatch(/^evil \[2J · lan · no middlebox$/m);
  });
});
