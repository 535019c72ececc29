/**
 * The package build (`npm run build`; run by `prepare`, so `npm ci`, `npm pack` and installing from
 * git all build): dist/ as the package ships it.
 *
 * 1. tsc (tsconfig.build.json): ESM JavaScript, .d.ts and source maps of the five entries and the CLI.
 * 2. The files the compiled code reads beside itself: the process/worker boot, the browser-client
 *    harness page, the report's chart script and stylesheet.
 * 3. The browser-client harness script, bundled now, so `--clients browser` needs no esbuild.
 * 4. The script-tag bundles dist/browser/transport-lab.min.js (IIFE, global `TransportLab`) and
 *    transport-lab.esm.min.js, and their sizes beside socket.io-client's, measured the same way.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';
import { HARNESS_BUNDLE, harnessScript } from '../scenarios/engine/browser/bundle.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const require = createRequire(import.meta.url);
/** Non-TypeScript files the compiled code reads relative to itself. */
const ASSETS = [
  'scenarios/engine/boot.mjs',
  'scenarios/engine/browser/harness.html',
  'reports/html/browser-charts.js',
  'reports/html/report.css',
];
/** Browsers the script-tag bundles run in. */
const BROWSER_TARGET = ['chrome100', 'firefox100', 'safari15'];

const started = Date.now();
rmSync(DIST, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (tsc.status !== 0) throw new Error(`tsc failed (exit ${tsc.status})`);

for (const asset of ASSETS) copyFileSync(join(ROOT, asset), join(DIST, asset));
// From source, harnessScript() bundles harness.ts; the compiled bundle.js finds this file instead.
writeFileSync(join(DIST, 'scenarios/engine/browser', HARNESS_BUNDLE), (await harnessScript()).contents);

const scriptTag: BuildOptions = {
  entryPoints: [join(ROOT, 'client/browser.ts')],
  bundle: true,
  platform: 'browser',
  target: BROWSER_TARGET,
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
};
const iife = join(DIST, 'browser/transport-lab.min.js');
const esm = join(DIST, 'browser/transport-lab.esm.min.js');
await build({ ...scriptTag, format: 'iife', globalName: 'TransportLab', outfile: iife });
await build({ ...scriptTag, format: 'esm', outfile: esm });

// socket.io-client measured the same way: its browser entry bundled and minified by esbuild as an
// IIFE, and for reference the minified build it ships (dist/socket.io.min.js).
const sioDir = dirname(require.resolve('socket.io-client/package.json'));
const sioVersion = (JSON.parse(readFileSync(join(sioDir, 'package.json'), 'utf8')) as { version: string }).version;
const sio = await build({
  ...scriptTag,
  entryPoints: undefined,
  stdin: { contents: "export * from 'socket.io-client';", resolveDir: ROOT },
  format: 'iife',
  globalName: 'io',
  sourcemap: false,
  write: false,
});

const rows: Array<[string, Uint8Array]> = [
  ['transport-lab  dist/browser/transport-lab.min.js (IIFE)', readFileSync(iife)],
  ['transport-lab  dist/browser/transport-lab.esm.min.js', readFileSync(esm)],
  [`socket.io-client ${sioVersion}  esbuild-minified IIFE (same options)`, sio.outputFiles[0]!.contents],
  [
    `socket.io-client ${sioVersion}  shipped dist/socket.io.min.js`,
    readFileSync(join(sioDir, 'dist/socket.io.min.js')),
  ],
];
// Sizes without the trailing source-map comment: what a page downloads when maps are not served.
const withoutMapComment = (code: Uint8Array) =>
  Buffer.from(
    Buffer.from(code)
      .toString('utf8')
      .replace(/\n\/\/# sourceMappingURL=\S+\n?$/, '\n'),
  );
const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`.padStart(9);
console.log(`\nBrowser bundles (gzip level 9)${' '.repeat(32)}minified      gzip`);
for (const [name, code] of rows) {
  const bytes = withoutMapComment(code);
  console.log(`  ${name.padEnd(60)}${kB(bytes.length)}${kB(gzipSync(bytes, { level: 9 }).length)}`);
}
console.log(`\nBuilt dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
