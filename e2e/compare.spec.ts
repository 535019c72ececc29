/**
 * Compare mode in a real Chromium: websocket, sse and long-polling run the same workload at once,
 * each through its own lane, and each lane shows live latency, bytes per message and bytes per
 * second; clicking a lane points the wire inspector at it.
 */
import { expect, test } from './demo-fixtures.js';

const number = (text: string) => Number(text.replace(/[^\d.]/g, ''));

test('three lanes side by side with non-zero figures; a click inspects a lane', async ({ openDemo }, testInfo) => {
  const { page } = await openDemo({ mode: 'compare', network: 'broadband', tickHz: '10', chatHz: '2', size: '256' });
  const lanes = ['websocket', 'sse', 'long-polling'] as const;
  for (const name of lanes) {
    const lane = page.getByTestId(`lane-${name}`);
    await expect(lane.locator('[data-figure="state"]')).toHaveText(`open · ${name}`, { timeout: 15_000 });
    const figure = (key: string) => lane.locator(`[data-figure="${key}"]`);
    // Two per-second windows after the first: every figure has a value, and it is not zero.
    await expect
      .poll(async () => number(await figure('perMessage').innerText()), { timeout: 10_000 })
      .toBeGreaterThan(256);
    await expect.poll(async () => number(await figure('oneWay').innerText())).toBeGreaterThan(0);
    await expect.poll(async () => number(await figure('roundTrip').innerText())).toBeGreaterThan(0);
    await expect.poll(async () => number(await figure('down').innerText())).toBeGreaterThan(0);
    await expect.poll(async () => number(await figure('up').innerText())).toBeGreaterThan(0);
    await expect(figure('payload')).toHaveText(/^payload 25\d B, overhead \d/);
    await expect(figure('lost')).toHaveText('0');
  }
  // Same workload, different costs: per message, long-polling's HTTP heads outweigh a WebSocket frame header.
  const perMessage = async (name: string) =>
    number(await page.getByTestId(`lane-${name}`).locator('[data-figure="perMessage"]').innerText());
  expect(await perMessage('long-polling')).toBeGreaterThan(await perMessage('websocket'));

  await page.getByTestId('lane-sse').click();
  await expect(page.locator('#inspector-lane')).toHaveText('compare lane: sse, broadband');
  await expect(page.getByTestId('records').locator('li[data-protocol="sse"]').first()).toBeVisible();
  await page.getByTestId('lane-websocket').click();
  await expect(page.getByTestId('records').locator('li[data-protocol="websocket"]').first()).toBeVisible();

  if (process.env.UPDATE_DOCS) await page.waitForTimeout(20_000); // more chart points for the README's picture
  const path = process.env.UPDATE_DOCS ? 'docs/compare-screenshot.png' : testInfo.outputPath('compare.png');
  await page.locator('#compare').screenshot({ path });
});
