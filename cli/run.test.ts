/** The `run` command end to end, as a user runs it: a real process, real sockets, a real file. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { parseResults } from '../reports/load.js';
import { getScenario } from '../scenarios/index.js';
import { planSuite } from '../scenarios/engine/suite.js';
import { parseClients, parseOverrides, withClients } from './run.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Process groups still running: a test that fails or times out leaves nothing behind. */
const running = new Set<number>();
afterEach(() => {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
});

/**
 * Runs the CLI in its own process group, as a terminal runs a command. With `signal`, sends it to
 * the whole group (what Ctrl-C does: the runner, its server process and everything else in the
 * group get it) once the first run's traffic is under way (progress line "…: traffic").
 */
function cli(
  args: string[],
  signal?: NodeJS.Signals,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    running.add(child.pid!);
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => {
      stderr += b;
      if (signal && !signalled && /: traffic\n/.test(stderr)) {
        signalled = true;
        process.kill(-child.pid!, signal);
      }
    });
    child.on('exit', (code) => {
      running.delete(child.pid!);
      resolve({ code, stdout, stderr });
    });
  });
}

it('runs a scenario file, writes a valid results file and prints it with --json', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tl-cli-'));
  const out = join(dir, 'results.json');
  const file = join(dir, 'my-ticker.ts');
  const define = new URL('../scenarios/define.ts', import.meta.url).href;
  await writeFile(
    file,
    `import { defineScenario } from ${JSON.stringify(define)};\n` +
      `export default defineScenario({ name: 'my-ticker', description: 'A user-written ticker, to prove scenario files run.', ` +
      `clients: 3, duration: '5s', payload: { bytes: 120, kind: 'json' }, traffic: { pattern: 'broadcast', rate: 10 } });\n`,
  );
  const r = await cli([
    'run',
    file,
    '--transports',
    'raw-ws',
    '--clients',
    '2',
    '--duration',
    '1s',
    '--out',
    out,
    '--json',
  ]);
  expect(r.code, r.stderr).toBe(0);
  const printed = parseResults(JSON.parse(r.stdout), 'stdout'); // the reports' validator: schema, sums
  const written = parseResults(JSON.parse(await readFile(out, 'utf8')), out);
  expect(written).toEqual(printed);
  expect(printed.runs).toEqual([
    expect.objectContaining({
      scenario: 'my-ticker',
      contender: 'raw-ws',
      clients: 2,
      durationMs: expect.any(Number),
      status: 'ok',
    }),
  ]);
  expect(printed.runs[0].params.durationMs).toBe(1000); // --duration 1s won over the file's 5s
  expect(printed.environment.packages).toMatchObject({ ws: expect.any(String), 'socket.io': expect.any(String) });
  expect(printed.environment.node).toBe(process.version);
});

it.each([
  ['SIGINT', 130, 'raw-ws'], // Ctrl-C in a terminal
  ['SIGTERM', 143, 'websocket'], // a CI timeout
] as const)(
  '%s to the process group writes partial results and the report, then exits %i',
  { timeout: 90_000 },
  async (signal, exitCode, contender) => {
    const dir = await mkdtemp(join(tmpdir(), 'tl-cli-'));
    const [out, report] = [join(dir, 'results.json'), join(dir, 'report.html')];
    const args = ['run', 'ticker', '--transports', `${contender},sse`, '--clients', '2', '--duration', '60s'];
    const r = await cli([...args, '--out', out, '--report', report], signal);
    expect(r.code, r.stderr).toBe(exitCode);
    expect(r.stderr).toContain(`${signal}: finishing the current run`);
    const written = parseResults(JSON.parse(await readFile(out, 'utf8')), out);
    // The interrupted run, whole: traffic cut short, everything sent delivered, and the server
    // process's report collected (it ignored the group's signal until the runner stopped it).
    expect(written.runs).toHaveLength(1);
    const [run] = written.runs;
    expect(run).toMatchObject({ contender, status: 'partial', error: 'interrupted' });
    expect(run.durationMs).toBeLessThan(run.params.durationMs as number); // cut short of the 60 s asked
    expect(run.delivery.serverToClient.received).toBeGreaterThan(0);
    expect(run.delivery.serverToClient.lost).toBe(0);
    expect(run.server.cpuUserMs + run.server.cpuSystemMs).toBeGreaterThan(0);
    expect(await readFile(report, 'utf8')).toContain('<html');
  },
);

it('rejects bad arguments with exit code 2 and says what is valid', async () => {
  const r = await cli(['run', 'ticker', '--transports', 'carrier-pigeon']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/Unknown transport "carrier-pigeon"; choose from websocket/);
});

it('reads --clients as counts, "browser" or "browser:N"; browser plans leave out raw-ws', () => {
  expect(parseClients(undefined)).toEqual([{}]);
  expect(parseClients('3')).toEqual([{ clients: 3 }]);
  expect(parseClients('browser')).toEqual([{ clientMode: 'browser' }]);
  expect(parseClients('4, browser:4')).toEqual([{ clients: 4 }, { clients: 4, clientMode: 'browser' }]);
  for (const bad of ['0', 'browser:', 'browser:0', 'chrome:2', '2.5', '2,'])
    expect(() => parseClients(bad), bad).toThrow(/--clients takes/);

  const ticker = getScenario('ticker');
  const named = parseOverrides({ out: 'x', transports: 'sse,raw-ws' });
  expect(() => withClients([{ scenario: ticker }], parseClients('browser'), named)).toThrow(
    /raw-ws has no browser client/,
  );
  expect(withClients([{ scenario: ticker }], parseClients('2'), named)).toHaveLength(1);

  const overrides = parseOverrides({ out: 'x' });
  const plans = planSuite(withClients([{ scenario: ticker }], parseClients('2,browser'), overrides), overrides);
  const browser = plans.filter((p) => p.clientMode === 'browser');
  expect(ticker.contenders).toContain('raw-ws');
  expect(browser.map((p) => p.contender)).toEqual(ticker.contenders.filter((c) => c !== 'raw-ws'));
  expect(browser.every((p) => p.clients === ticker.clients.count)).toBe(true);
  const node = plans.filter((p) => p.clientMode === undefined);
  expect(node.map((p) => p.contender)).toEqual(ticker.contenders);
  expect(node.every((p) => p.clients === 2)).toBe(true);
});

it('--tls, --http and --compression become run dimensions: one run per value, recorded in params', () => {
  const chat = getScenario('chat');
  const expand = (o: Parameters<typeof parseOverrides>[0]) =>
    planSuite([{ scenario: chat }], { ...parseOverrides(o), contenders: ['long-polling'] });
  const deployments = (o: Parameters<typeof parseOverrides>[0]) =>
    expand(o).map((p) => [p.tls, p.http, p.compression, p.variant]);
  expect(deployments({ out: 'x' })).toEqual([[false, '1.1', false, null]]);
  expect(deployments({ out: 'x', tls: true })).toEqual([[true, '1.1', false, 'https']]);
  expect(deployments({ out: 'x', http: '1.1,2' })).toEqual([
    [true, '1.1', false, 'https'],
    [true, '2', false, 'https, HTTP/2'],
  ]);
  // HTTP/2 only over TLS: the plain run stays on HTTP/1.1.
  expect(deployments({ out: 'x', tls: 'off,on', http: '2' })).toEqual([[true, '2', false, 'https, HTTP/2']]);
  expect(deployments({ out: 'x', tls: 'off,on', compression: 'off,on' })).toEqual([
    [false, '1.1', false, 'compression off'],
    [true, '1.1', false, 'compression off, https'],
    [false, '1.1', true, 'compression on'],
    [true, '1.1', true, 'compression on, https'],
  ]);
  for (const bad of [{ http: '3' }, { compression: 'yes' }, { tls: 'maybe' }])
    expect(() => parseOverrides({ out: 'x', ...bad })).toThrow(/takes/);
});
