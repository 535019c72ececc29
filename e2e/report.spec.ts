/**
 * The HTML report in a real Chromium, opened from disk: every chart is drawn, nothing goes to the
 * network, nothing logs an error, injected markup stays inert, and without JavaScript the tables
 * are there instead.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';
import { parseResults, renderHtml } from '../reports/index.js';

let reportUrl: string;
let chartIds: string[];

test.beforeAll(async () => {
  const fixture = new URL('../reports/fixtures/small-results.json', import.meta.url);
  const html = renderHtml(parseResults(JSON.parse(await readFile(fixture, 'utf8'))));
  const path = join(await mkdtemp(join(tmpdir(), 'report-e2e-')), 'report.html');
  await writeFile(path, html);
  reportUrl = pathToFileURL(path).href;
  chartIds = [...html.matchAll(/<canvas id="chart-([^"]+)"/g)].map((m) => m[1]!);
});

test('every chart is drawn, with no network request and no console error', async ({ page }) => {
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));

  await page.goto(reportUrl);
  await expect(page.locator('html')).not.toHaveClass(/no-js/);
  expect(chartIds.length).toBeGreaterThanOrEqual(20);

  // For each canvas: Chart.js laid out its data inside the plot area, and the plot area holds
  // coloured pixels (the data; grid lines and text are grey or black).
  const drawn = await page.evaluate((ids) => {
    const Chart = (window as any).Chart;
    return ids.map((id) => {
      const canvas = document.getElementById(`chart-${id}`) as HTMLCanvasElement;
      const chart = Chart.getChart(canvas);
      if (!chart) return { id, points: 0, coloured: 0 };
      const points = chart.data.datasets.reduce(
        (n: number, _: unknown, i: number) => n + chart.getDatasetMeta(i).data.length,
        0,
      );
      const { left, top, right, bottom } = chart.chartArea;
      const ratio = canvas.width / canvas.clientWidth;
      const image = canvas
        .getContext('2d')!
        .getImageData(left * ratio, top * ratio, (right - left) * ratio, (bottom - top) * ratio).data;
      let coloured = 0;
      for (let i = 0; i < image.length; i += 4) {
        const [r, g, b, a] = [image[i]!, image[i + 1]!, image[i + 2]!, image[i + 3]!];
        if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
      }
      return { id, points, coloured };
    });
  }, chartIds);
  for (const chart of drawn) {
    expect(chart.points, `${chart.id}: data elements`).toBeGreaterThan(0);
    expect(chart.coloured, `${chart.id}: coloured pixels in the plot area`).toBeGreaterThan(100);
  }

  // The tables stand in for charts only without JavaScript; with it, they are folded away.
  await expect(page.locator('details[id^="table-"][open]')).toHaveCount(0);
  await page.locator(`#table-${chartIds[0]} > summary`).click();
  await expect(page.locator(`#table-${chartIds[0]} table`)).toBeVisible();

  expect(await page.evaluate(() => (window as any).__injected)).toBeUndefined();
  await expect(
    page.getByText('upgrade refused: 403 from proxy <script>window.__injected = true</script>'),
  ).toBeVisible();
  expect(errors).toEqual([]);
  expect(requests).toEqual([reportUrl]);
});

test('without JavaScript, every chart’s table is shown and the empty canvases are not', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(reportUrl);
  for (const id of chartIds) {
    await expect(page.locator(`#table-${id} table`)).toBeVisible();
    await expect(page.locator(`#chart-${id}`)).toBeHidden();
  }
  await expect(page.locator('table.summary').first()).toBeVisible();
  expect(requests).toEqual([reportUrl]);
  await context.close();
});
