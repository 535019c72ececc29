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
  const result = await build({
    entryPoints: { app: here('page/main.ts'), harness: here('page/harness.ts') },
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
  for (const [name, type] of [
    ['index.html', 'text/html; charset=utf-8'],
    ['harness.html', 'text/html; charset=utf-8'],
    ['styles.css', 'text/css; charset=utf-8'],
  ] as const) {
    assets.set(name === 'index.html' ? '/' : `/${name}`, { contents: await readFile(here(`page/${name}`), 'utf8'), type });
  }
  return assets;
}
