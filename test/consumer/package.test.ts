/**
 * The package as its users get it. `npm pack` (which builds dist/ through `prepare`), then the
 * tarball installed into a fresh project in a temp folder (a copy of ./project) with its own
 * node_modules: none of transport-lab's dev dependencies (no tsx, esbuild, TypeScript, Playwright),
 * this repo's bins off PATH. Then what a user does:
 *   1. a plain Node ESM app: server and client exchange a message on each transport;
 *   2. CommonJS require() of every entry (Node ≥ 20.19 loads ES modules with require);
 *   3. tsc --noEmit (this repo's TypeScript) on a file using the public types;
 *   4. esbuild (this repo's) bundles a page importing transport-lab/client with default options:
 *      no `ws` in it, and in Chromium the client ends on WebSocket; the script-tag bundle too;
 *   5. the CLI under plain node: --help, a built-in scenario, a .js scenario file; browser clients
 *      without and with playwright-core; a .ts scenario file without and with the project's tsx.
 * `npm run test:consumer` (its own vitest config: it runs alone, after the other suites).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../../scenarios/engine/browser/chromium.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PROJECT = fileURLToPath(new URL('./project', import.meta.url));
const repoBin = (name: string) => join(ROOT, 'node_modules/.bin', name);
const repoVersion = (pkg: string) =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
/** Dev dependencies of transport-lab a user's project must not need. */
const DEV_TOOLS = ['tsx', 'esbuild', 'typescript', 'vitest', '@playwright/test', 'playwright-core', 'express'];

/** The user's environment: not the npm running this test (npm_* variables, bins on PATH), no NODE_OPTIONS. */
const ENV: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_|^NODE_OPTIONS$|^INIT_CWD$/.test(k))),
  PATH: (process.env.PATH ?? '')
    .split(':')
    .filter((p) => !/node_modules\/\.bin|node-gyp-bin/.test(p))
    .join(':'),
};

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs and expects exit 0, showing the output otherwise. */
async function ok(command: string, args: string[], cwd: string): Promise<Ran> {
  const r = await run(command, args, cwd);
  expect(r.code, `${command} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

interface PackInfo {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: Array<{ path: string }>;
}

interface RunRecord {
  scenario: string;
  status: string;
  error?: string;
  clientMode: string;
  bytes: { messages: number };
}
const runsIn = async (file: string) =>
  (JSON.parse(await readFile(file, 'utf8')) as { runs: RunRecord[] }).runs.map((r) => ({
    scenario: r.scenario,
    status: r.status,
    error: r.error,
    clientMode: r.clientMode,
    delivered: r.bytes.messages > 0,
  }));

let dir: string;
let pack: PackInfo;
const started = Date.now();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tl-consumer-'));
  await cp(PROJECT, dir, { recursive: true });
  const packed = await ok('npm', ['pack', '--json', '--pack-destination', dir], ROOT);
  // The build's report comes first on stdout, then npm's JSON array.
  [pack] = JSON.parse(packed.stdout.slice(packed.stdout.search(/^\[$/m))) as PackInfo[];
  console.log(
    `npm pack: ${pack.filename}, ${pack.entryCount} files, ${(pack.size / 1000).toFixed(1)} kB ` +
      `(${(pack.unpackedSize / 1000).toFixed(1)} kB unpacked)`,
  );
  await ok('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, pack.filename)], dir);
});

afterAll(async () => {
  console.log(`consumer test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('transport-lab installed from its tarball', () => {
  it('ships dist/, the docs, README and LICENSE only, with the files the compiled code reads', () => {
    const paths = pack.files.map((f) => f.path);
    expect(paths.filter((p) => !/^(dist\/|docs\/[^/]+\.md$|README\.md$|LICENSE$|package\.json$)/.test(p))).toEqual([]);
    expect(paths).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'dist/cli/bin.js',
        'dist/server/index.d.ts',
        'dist/client/browser.js',
        'dist/browser/transport-lab.min.js',
        'dist/browser/transport-lab.esm.min.js',
        'dist/scenarios/engine/boot.mjs',
        'dist/scenarios/engine/browser/harness.bundle.js',
        'dist/reports/html/report.css',
      ]),
    );
    expect(DEV_TOOLS.filter((name) => existsSync(join(dir, 'node_modules', name)))).toEqual([]);
  });

  it('1. a plain Node ESM app: server and client exchange a message on each transport', async () => {
    const r = await ok('node', ['app.mjs'], dir);
    expect(JSON.parse(r.stdout)).toEqual({
      websocket: { on: 'websocket', data: { echo: 'hello over websocket' } },
      sse: { on: 'sse', data: { echo: 'hello over sse' } },
      'long-polling': { on: 'long-polling', data: { echo: 'hello over long-polling' } },
    });
  });

  it('1. transport-lab/server and /client load nothing but ws and eventsource, not even lazily', async () => {
    // esbuild follows dynamic imports too: anything the entries could ever load is in the metafile.
    await ok(
      repoBin('esbuild'),
      ['entries.mjs', '--bundle', '--platform=node', '--outfile=out/entries.js', '--metafile=out/entries.json'],
      dir,
    );
    const inputs = Object.keys(
      (JSON.parse(await readFile(join(dir, 'out/entries.json'), 'utf8')) as { inputs: object }).inputs,
    );
    const packages = new Set(inputs.map((p) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p)?.[1]).filter(Boolean));
    expect([...packages].sort()).toEqual(['eventsource', 'eventsource-parser', 'transport-lab', 'ws']);
    const ours = inputs.filter((p) => p.startsWith('node_modules/transport-lab/'));
    expect(ours.filter((p) => !/^node_modules\/transport-lab\/dist\/(server|client|protocol)\//.test(p))).toEqual([]);
  });

  it('2. CommonJS: require() loads every entry, and the WebSocket round trip works', async () => {
    const r = await ok('node', ['app.cjs'], dir);
    expect(JSON.parse(r.stdout)).toEqual({
      types: ['function', 'function', 'function', 'function'],
      normal: 1000,
      echoed: 'from require',
    });
  });

  it('3. tsc --noEmit type-checks a consumer file against the public declarations', async () => {
    // consumer.ts also holds @ts-expect-error lines: were the types `any`, tsc would fail on them.
    await ok('node', [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], dir);
  });

  describe('4. in a browser', () => {
    let browser: Browser;
    let server: ReturnType<typeof spawn> | undefined;
    let origin: string;

    beforeAll(async () => {
      server = spawn('node', ['serve.mjs'], { cwd: dir, env: ENV, stdio: ['ignore', 'pipe', 'inherit'] });
      const { port } = await new Promise<{ port: number }>((resolve, reject) => {
        server!.stdout!.once('data', (line: Buffer) => resolve(JSON.parse(String(line)) as { port: number }));
        server!.once('exit', (code) => reject(new Error(`serve.mjs exited (${code})`)));
      });
      origin = `http://127.0.0.1:${port}`;
      browser = await chromium.launch({ ...chromiumLaunchOptions, headless: true });
    });
    afterAll(async () => {
      await browser?.close();
      server?.kill();
    });

    const open = async (path: string) => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${origin}${path}`);
      await page.waitForFunction(() => 'result' in window, undefined, { timeout: 20_000 });
      const result = await page.evaluate(() => (window as unknown as { result: unknown }).result);
      await page.close();
      return { result, errors };
    };

    it('esbuild with default options bundles the browser client (no ws); the page ends on WebSocket', async () => {
      await ok(
        repoBin('esbuild'),
        ['page.js', '--bundle', '--outfile=public/page.js', '--metafile=out/page.json'],
        dir,
      );
      const inputs = Object.keys(
        (JSON.parse(await readFile(join(dir, 'out/page.json'), 'utf8')) as { inputs: object }).inputs,
      );
      expect(
        inputs.filter((p) => p !== 'page.js' && !/^node_modules\/transport-lab\/dist\/(client|protocol)\//.test(p)),
      ).toEqual([]);
      expect(inputs).toContain('node_modules/transport-lab/dist/client/platform.browser.js');
      expect(await readFile(join(dir, 'public/page.js'), 'utf8')).not.toMatch(
        /require\(|from ?["'](ws|eventsource|node:)/,
      );

      const { result, errors } = await open('/');
      expect(errors).toEqual([]);
      expect(result).toEqual({
        transport: 'websocket',
        data: { echo: 'ping from a bundle' },
        changes: [{ from: null, to: 'websocket', reason: expect.any(String), attempts: [] }],
      });
    });

    it('the script-tag bundle: TransportLab.connect ends on WebSocket', async () => {
      const { result, errors } = await open('/script-tag.html');
      expect(errors).toEqual([]);
      expect(result).toEqual({ transport: 'websocket', data: { echo: 'ping from a script tag' } });
    });
  });

  describe('5. the CLI with plain node', () => {
    it('prints its help', async () => {
      const r = await ok('npx', ['transport-lab', '--help'], dir);
      expect(r.stdout).toMatch(/^Usage: transport-lab/);
      expect(r.stdout).toMatch(/^ {2}run /m);
    });

    it('runs a built-in scenario, renders its HTML report, and runs a .js scenario file', async () => {
      await ok(
        'npx',
        ['transport-lab', 'run', 'chat', '--duration', '2s', '--transports', 'websocket', '--out', 'out/chat.json'],
        dir,
      );
      expect(await runsIn(join(dir, 'out/chat.json'))).toEqual([
        { scenario: 'chat', status: 'ok', error: undefined, clientMode: 'node', delivered: true },
      ]);
      // The report inlines Chart.js (a dependency) and the chart script and stylesheet shipped in dist/.
      await ok('npx', ['transport-lab', 'report', 'out/chat.json', '--html', 'out/report.html'], dir);
      const html = await readFile(join(dir, 'out/report.html'), 'utf8');
      for (const asset of ['reports/html/report.css', 'reports/html/browser-charts.js'])
        expect(html, asset).toContain(readFileSync(join(ROOT, asset), 'utf8').split('\n').slice(0, 3).join('\n'));
      expect(html).toMatch(/Chart\.js v\d/);
      await ok(
        'npx',
        [
          'transport-lab',
          'run',
          './scenario.js',
          '--duration',
          '1s',
          '--transports',
          'websocket',
          '--out',
          'out/js.json',
        ],
        dir,
      );
      expect(await runsIn(join(dir, 'out/js.json'))).toEqual([
        { scenario: 'user-js', status: 'ok', error: undefined, clientMode: 'node', delivered: true },
      ]);
    });

    it('browser clients: without playwright-core the run says what to install; with it, the prebuilt harness runs', async () => {
      const args = [
        'transport-lab',
        'run',
        'chat',
        '--clients',
        'browser:2',
        '--duration',
        '1s',
        '--transports',
        'websocket',
      ];
      await ok('npx', [...args, '--out', 'out/no-playwright.json'], dir);
      expect(await runsIn(join(dir, 'out/no-playwright.json'))).toEqual([
        expect.objectContaining({ status: 'failed', error: expect.stringMatching(/npm install playwright-core/) }),
      ]);

      await ok(
        'npm',
        ['install', '--no-audit', '--no-fund', '--prefer-offline', `playwright-core@${repoVersion('playwright-core')}`],
        dir,
      );
      expect(
        existsSync(join(dir, 'node_modules/esbuild')),
        'esbuild is not installed: the harness comes prebuilt',
      ).toBe(false);
      await ok('npx', [...args, '--out', 'out/browser.json'], dir);
      expect(await runsIn(join(dir, 'out/browser.json'))).toEqual([
        { scenario: 'chat', status: 'ok', error: undefined, clientMode: 'browser', delivered: true },
      ]);
    });

    it('a .ts scenario file: a clear error without tsx, and it runs through the project’s tsx', async () => {
      const args = [
        'transport-lab',
        'run',
        './scenario.ts',
        '--duration',
        '1s',
        '--transports',
        'websocket',
        '--out',
        'out/ts.json',
      ];
      const without = await run('npx', args, dir);
      expect(without.code).toBe(2);
      expect(without.stderr).toMatch(/scenario\.ts is TypeScript.*install tsx in your project/);

      await ok('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `tsx@${repoVersion('tsx')}`], dir);
      await ok('npx', args, dir);
      expect(await runsIn(join(dir, 'out/ts.json'))).toEqual([
        { scenario: 'user-ts', status: 'ok', error: undefined, clientMode: 'node', delivered: true },
      ]);
    });
  });
});
