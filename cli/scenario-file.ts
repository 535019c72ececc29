/**
 * Importing a scenario file named on the command line (`transport-lab run ./my-scenario.ts`).
 *
 * JavaScript (.js, .mjs, .cjs) is imported as it is. TypeScript (.ts, .mts, .cts) is imported as it
 * is where the running Node already loads it (from source under tsx, or a Node that strips types);
 * otherwise through the user's own tsx, an optional peer dependency of the package, found from the
 * scenario file's folder or the working directory (`npm install --save-dev tsx`). The package itself
 * never needs tsx: without it, a TypeScript scenario gets an error that says what to do.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const TYPESCRIPT = /\.[cm]?ts$/;

interface TsxApi {
  tsImport(specifier: string, parentURL: string): Promise<Record<string, unknown>>;
}

/** The module's exports (its `default` is the scenario). */
export async function importScenarioFile(path: string): Promise<{ default?: unknown }> {
  const file = resolve(path);
  const url = pathToFileURL(file).href;
  if (!TYPESCRIPT.test(file)) return import(url);
  try {
    return await import(url);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
  }
  const tsx = await findTsx([file, join(process.cwd(), 'package.json')]);
  if (!tsx) {
    throw new Error(
      `${path} is TypeScript, which Node ${process.version} does not load by itself: install tsx in your project ` +
        '(npm install --save-dev tsx) and run again, or write the scenario as a .js / .mjs file',
    );
  }
  // tsImport loads under its own namespace, so the failed import above is not served from cache.
  const mod = await tsx.tsImport(url, import.meta.url);
  // A .ts file in a CommonJS folder comes back as module.exports, the ES default inside it.
  const exports = mod.default as { __esModule?: boolean; default?: unknown } | undefined;
  return exports?.__esModule ? exports : mod;
}

/** tsx's ESM API as installed next to one of `from` (files whose folders are searched upwards). */
async function findTsx(from: string[]): Promise<TsxApi | null> {
  for (const start of from) {
    let manifest: string;
    try {
      manifest = createRequire(start).resolve('tsx/package.json');
    } catch {
      continue;
    }
    // The ESM build named by tsx's own exports map (its CommonJS build of this API cannot register hooks).
    const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
      exports?: Record<string, { import?: { default?: string } }>;
    };
    const entry = exports?.['./esm/api']?.import?.default;
    if (entry) return (await import(new URL(entry, pathToFileURL(manifest)).href)) as TsxApi;
  }
  return null;
}
