/**
 * Bundles the browser side of the demo with esbuild, in memory, at server start: the page
 * (`page/main.ts`, with Chart.js and socket.io-client inside) and the bare page that hosts browser
 * scenario clients (`page/harness.ts`). Nothing is fetched from a CDN.
 *
 * The message client is the same `client/` source Node uses: `client/index.ts` imports
 * `./platform.node.js` (ws + eventsource); the plugin below swaps it for `./platform.browser.js`
 * (native WebSocket, EventSource, fetch).
 */
import { build, type Plugin } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface Asset {
  contents: string | Uint8Array;
  type: string;
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Resolves `./platform.node.js` (imported by client/index.ts) to its browser twin. */
export const browserPlatform: Plugin = {
  name: 'browser-platform',
  setup(b) {
    b.onResolve({ filter: /platform\.node\.js$/ }, (args) => ({
      path: fileURLToPath(new URL(args.path.replace(/platform\.node\.js$/, 'platform.browser.ts'), `file://${args.resolveDir}/`)),
    }));
  },
};

/** Builds every asset the demo serves, keyed by URL path. */
export async function buildAssets(): Promise<Map<string, Asset>> {
  const assets = await bundle({ app: here('page/main.ts'), harness: here('page/harness.ts') });
  for (const name of ['index.html', 'harness.html', 'styles.css']) {
    assets.set(name === 'index.html' ? '/' : `/${name}`, await staticAsset(name));
  }
  return assets;
}

/**
 * Only the page that hosts browser scenario clients (/harness.html, /harness.js), for the scenario
 * runner (demo/browser-clients.ts): it does not need the demo page, and must not break when that
 * page is mid-edit.
 */
export async function buildHarness(): Promise<Map<string, Asset>> {
  const assets = await bundle({ harness: here('page/harness.ts') });
  assets.set('/harness.html', await staticAsset('harness.html'));
  return assets;
}

async function bundle(entryPoints: Record<string, string>): Promise<Map<string, Asset>> {
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
    plugins: [browserPlatform],
    logLevel: 'silent',
  });
  const assets = new Map<string, Asset>();
  for (const file of result.outputFiles) {
    const type = file.path.endsWith('.map') ? 'application/json' : 'text/javascript';
    assets.set(file.path.slice('/assets'.length), { contents: file.contents, type });
  }
  return assets;
}

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8' };

async function staticAsset(name: string): Promise<Asset> {
  return { contents: await readFile(here(`page/${name}`), 'utf8'), type: TYPES[name.split('.').pop()!]! };
}
