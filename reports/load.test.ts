import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadResults, parseResults, ResultsFileError } from './index.js';

const FIXTURE = new URL('./fixtures/small-results.json', import.meta.url).pathname;

async function fixtureJson(): Promise<any> {
  return JSON.parse(await (await import('node:fs/promises')).readFile(FIXTURE, 'utf8'));
}

async function tempFile(content: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'load-test-')), 'results.json');
  await writeFile(path, content);
  return path;
}

describe('loadResults', () => {
  it('loads the fixture: peers, a middlebox with a failed contender, events, bandwidth', async () => {
    const results = await loadResults(FIXTURE);
    const contenders = new Set(results.runs.map((r) => r.contender));
    expect(contenders).toContain('raw-ws');
    expect(contenders).toContain('socketio');
    const failed = results.runs.filter((r) => r.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((r) => r.middlebox !== null && r.error)).toBe(true);
    expect(results.runs.some((r) => r.events.length > 0)).toBe(true);
    expect(results.runs.some((r) => r.bandwidth.length > 0)).toBe(true);
  });

  it('names the versions when schemaVersion is not the one it reads', async () => {
    const json = await fixtureJson();
    json.schemaVersion = 2;
    await expect(loadResults(await tempFile(JSON.stringify(json)))).rejects.toThrow(
      /schemaVersion is 2, this transport-lab reads schemaVersion 1/,
    );
  });

  it('says which field is wrong', () => {
    return fixtureJson().then((json) => {
      delete json.runs[1].bytes.downstream.payload;
      json.runs[2].contender = 'carrier-pigeon';
      let message = '';
      try {
        parseResults(json, 'x.json');
      } catch (error) {
        expect(error).toBeInstanceOf(ResultsFileError);
        message = (error as Error).message;
      }
      expect(message).toMatch(/^x\.json: invalid results file/);
      expect(message).toMatch(/runs\[1\]\.bytes\.downstream\.payload/);
      expect(message).toMatch(/runs\[2\]\.contender/);
    });
  });

  it('rejects byte categories that do not add up to the total', async () => {
    const json = await fixtureJson();
    json.runs[0].bytes.upstream.total += 1;
    expect(() => parseResults(json)).toThrow(/byte categories do not add up to total/);
  });

  it('reports unreadable files and invalid JSON as ResultsFileError', async () => {
    await expect(loadResults('/nonexistent/results.json')).rejects.toThrow(/cannot read \(ENOENT\)/);
    await expect(loadResults(await tempFile('{"schemaVersion": 1, '))).rejects.toThrow(/not valid JSON/);
    await expect(loadResults(await tempFile('[]'))).rejects.toBeInstanceOf(ResultsFileError);
  });
});
