/**
 * The `report` command end to end: `npx tsx cli/main.ts report …` spawned as a process, checked by
 * exit code and output.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = 'reports/fixtures/small-results.json';
let dir: string;

function report(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'cli/main.ts', 'report', ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-cli-'));
});

describe('transport-lab report', { timeout: 90_000 }, () => {
  it('exits 0, prints the table and writes the HTML and Markdown reports', async () => {
    const html = join(dir, 'out', 'report.html');
    const markdown = join(dir, 'summary.md');
    const result = await report(
      FIXTURE,
      '--html',
      html,
      '--markdown',
      markdown,
      '--fail-if',
      'ticker:websocket.latency.p99 > 1s',
      '*.lost > 0',
    );
    expect(result.stderr.replace(/^npm warn.*\n/gm, '')).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ticker · lan · no middlebox\n {2}contender/);
    expect(result.stdout).toMatch(/HTML report: .*report\.html \(\d+(\.\d+)? KB\)/);
    expect(result.stdout).toContain('Budgets: 2 budgets, 14 checks, all pass.');
    expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>/);
    expect(readFileSync(markdown, 'utf8')).toContain('**Budgets:** ✅ all pass');
  });

  it('exits 1 and prints each failing line when a budget fails (--fail-if and --budget)', async () => {
    const budgetFile = join(dir, 'budgets.json');
    await writeFile(budgetFile, JSON.stringify({ failIf: ['behind-proxy:websocket.latency.p99 > 50ms'] }));
    const markdown = join(dir, 'failing.md');
    const result = await report(
      FIXTURE,
      '--budget',
      budgetFile,
      '--fail-if',
      'long-polling.bytesPerMessage > 900',
      'sse.overheadPerMessage > 50B',
      '--markdown',
      markdown,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Budgets: 4 failing:');
    expect(result.stderr).toContain(
      'FAIL behind-proxy:websocket.latency.p99 > 50ms — behind-proxy · broadband · block-websocket · websocket: no value (run failed: upgrade refused',
    );
    expect(result.stderr.match(/FAIL sse\.overheadPerMessage > 50B — .* overhead\/message = 77\.1 B/g)).toHaveLength(3);
    expect(result.stderr).not.toContain('long-polling.bytesPerMessage');
    expect(readFileSync(markdown, 'utf8')).toContain('**Budgets:** ❌ 4 failing');
  });

  it('exits 2 on a results file it cannot read or does not understand', async () => {
    const future = join(dir, 'v2.json');
    await writeFile(
      future,
      JSON.stringify({ ...JSON.parse(readFileSync(join(ROOT, FIXTURE), 'utf8')), schemaVersion: 2 }),
    );
    const [missing, wrongVersion, badBaseline, noArgument] = await Promise.all([
      report(join(dir, 'nope.json')),
      report(future, '--html', join(dir, 'never.html')),
      report(FIXTURE, '--baseline', join(ROOT, 'package.json')),
      report(),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/transport-lab report: .*nope\.json: cannot read \(ENOENT\)/);
    expect(wrongVersion.code).toBe(2);
    expect(wrongVersion.stderr).toMatch(/schemaVersion is 2, this transport-lab reads schemaVersion 1/);
    expect(existsSync(join(dir, 'never.html'))).toBe(false);
    expect(badBaseline.code).toBe(2);
    expect(badBaseline.stderr).toMatch(/package\.json: schemaVersion is undefined/);
    expect(noArgument.code).toBe(2); // commander's usage error, not "budget failed"
    expect(noArgument.stderr).toMatch(/missing required argument 'results'/);
  });

  it('exits 2 on a malformed budget, before writing anything', async () => {
    const result = await report(FIXTURE, '--fail-if', 'websocket.latency.p99 > 50 parsecs');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bad budget "websocket.latency.p99 > 50 parsecs": unknown unit "parsecs"');
    expect(result.stdout).toBe('');
  });
});
