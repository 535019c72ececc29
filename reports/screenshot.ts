/**
 * Screenshot of a report for docs/: renders the results file, opens it from disk in Chromium and
 * captures the top of the page (header, first comparison with its charts).
 *
 *   CHROMIUM_PATH=/usr/bin/chromium npx tsx reports/screenshot.ts [results.json] [out.png] [--full]
 *
 * Defaults: the synthetic fixture → docs/report-screenshot.png. The fixture's numbers are not
 * measurements; prefer a results file from `npm run compare` when there is one.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../scenarios/engine/browser/chromium.js';
import { loadResults, renderHtml } from './index.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const full = process.argv.includes('--full');
const input = args[0] ?? fileURLToPath(new URL('./fixtures/small-results.json', import.meta.url));
const output = args[1] ?? fileURLToPath(new URL('../docs/report-screenshot.png', import.meta.url));

const pagePath = join(await mkdtemp(join(tmpdir(), 'transport-lab-shot-')), 'report.html');
await writeFile(pagePath, renderHtml(await loadResults(input)));

const browser = await chromium.launch(chromiumLaunchOptions);
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1700 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(pagePath).href);
  await page.waitForFunction(() => !document.documentElement.classList.contains('no-js'));
  await page.screenshot({ path: output, fullPage: full });
  console.log(`wrote ${output}`);
} finally {
  await browser.close();
}
