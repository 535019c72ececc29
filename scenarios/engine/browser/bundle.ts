/**
 * The page that hosts browser scenario clients (harness.ts + harness.html). The package ships it
 * prebuilt (scripts/build.ts writes HARNESS_BUNDLE next to the compiled copy of this file), so a
 * browser run needs no esbuild; from source it is bundled with esbuild in memory when a browser run
 * starts. Nothing is fetched from a CDN.
 *
 * Internal browser bundles (this one, the demo page) import `client/index.ts` as Node code does;
 * `browserClient` resolves that to `client/browser.ts` (native WebSocket, EventSource, fetch), which
 * is what the package's `browser` export condition does for users' bundlers.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

export interface Asset {
  contents: string | Uint8Array;
  type: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
/** The prebuilt harness script's file name (in dist/, beside this module compiled). */
export const HARNESS_BUNDLE = 'harness.bundle.js';

export const browserClient: Plugin = {
  name: 'browser-client',
  setup(b) {
    b.onResolve({ filter: /(^|\/)client\/index\.js$/ }, (args) => ({
      path: resolve(args.resolveDir, args.path.replace(/index\.js$/, 'browser.ts')),
    }));
  },
};

/** Bundles entry points for the browser; assets keyed by URL path (`/<name>.js` and its map). */
export async function bundleForBrowser(entryPoints: Record<string, string>): Promise<Map<string, Asset>> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    write: false,
    outdir: '/assets',
    plugins: [browserClient],
    logLevel: 'silent',
  });
  const assets = new Map<string, Asset>();
  for (const file of result.outputFiles) {
    const type = file.path.endsWith('.map') ? 'application/json' : 'text/javascript';
    assets.set(file.path.slice('/assets'.length), { contents: file.contents, type });
  }
  return assets;
}

/** The harness page's script: the prebuilt one when present, else bundled now from source. */
export async function harnessScript(): Promise<Asset> {
  const prebuilt = resolve(HERE, HARNESS_BUNDLE);
  if (existsSync(prebuilt)) return { contents: await readFile(prebuilt), type: 'text/javascript' };
  return (await bundleForBrowser({ harness: resolve(HERE, 'harness.ts') })).get('/harness.js')!;
}

/** `/harness.html` and `/harness.js`. */
export async function bundleHarness(): Promise<Map<string, Asset>> {
  return new Map([
    [
      '/harness.html',
      { contents: await readFile(resolve(HERE, 'harness.html'), 'utf8'), type: 'text/html; charset=utf-8' },
    ],
    ['/harness.js', await harnessScript()],
  ]);
}
