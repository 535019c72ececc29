/**
 * Bundles the demo page (`page/main.ts`, with Chart.js and socket.io-client inside) with esbuild, in
 * memory, at server start. Nothing is fetched from a CDN. The message client is the same `client/`
 * source Node uses, resolved to its browser entry (see scenarios/engine/browser/bundle.ts).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Asset, bundleForBrowser } from '../scenarios/engine/browser/bundle.js';

export type { Asset };

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Builds every asset the demo serves, keyed by URL path. */
export async function buildAssets(): Promise<Map<string, Asset>> {
  const assets = await bundleForBrowser({ app: here('page/main.ts') });
  for (const name of ['index.html', 'styles.css']) {
    assets.set(name === 'index.html' ? '/' : `/${name}`, await staticAsset(name));
  }
  return assets;
}

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8' };

async function staticAsset(name: string): Promise<Asset> {
  return { contents: await readFile(here(`page/${name}`), 'utf8'), type: TYPES[name.split('.').pop()!]! };
}
