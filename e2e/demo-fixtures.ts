/**
 * Fixtures for the demo's end-to-end tests: one real demo server per worker (startDemo on port 0),
 * and `openDemo(query)` that opens the page in a fresh browser context (its own cookies and its own
 * connection pool, like a second browser window) and records every console error and page error.
 * After each test the recorded errors must be empty, except those the test expects (`allowErrors`):
 * Chromium itself logs a refused WebSocket handshake or a 403 response as a console error.
 */
import { expect, test as base, type Page } from '@playwright/test';
import { startDemo, type Demo } from '../demo/serve.js';
import type { Certificate } from '../scenarios/network/certificate.js';

export interface DemoPage {
  page: Page;
  errors: string[];
  /** The text of the events log, newest first. */
  events(): Promise<string>;
}

interface Fixtures {
  openDemo(query: Record<string, string>): Promise<DemoPage>;
  /** Console errors matching one of these are expected in this test. */
  allowErrors: RegExp[];
}

export const test = base.extend<Fixtures, { demo: Demo; demoTls: Certificate | null }>({
  /** A certificate for the demo's HTTPS + HTTP/2 listener (the browser must trust it: launchOptions). */
  demoTls: [null, { scope: 'worker', option: true }],
  demo: [
    async ({ demoTls }, use) => {
      const demo = await startDemo({ port: 0, ...(demoTls ? { tls: demoTls } : {}) });
      await use(demo);
      await demo.close();
    },
    { scope: 'worker' },
  ],
  allowErrors: [[], { option: true }],
  openDemo: async ({ browser, demo, allowErrors }, use, testInfo) => {
    const opened: DemoPage[] = [];
    await use(async (query) => {
      const context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
      page.on('pageerror', (e) => void errors.push(`pageerror: ${e.message}`));
      await page.goto(`${demo.url}/?${new URLSearchParams(query)}`);
      const demoPage = { page, errors, events: () => page.getByTestId('events').innerText() };
      opened.push(demoPage);
      return demoPage;
    });
    for (const [i, { page, errors }] of opened.entries()) {
      await testInfo.attach(`page-${i + 1}.png`, {
        body: await page.screenshot({ fullPage: true }),
        contentType: 'image/png',
      });
      expect(
        errors.filter((e) => !allowErrors.some((allowed) => allowed.test(e))),
        `console errors on page ${i + 1}`,
      ).toEqual([]);
      await page.context().close();
    }
  },
});

export { expect };

/** Waits until the page's ticker has counted `more` ticks beyond what it shows now. */
export async function waitForTicks(page: Page, more: number): Promise<void> {
  const start = Number((await page.getByTestId('ticks').innerText()).replace(/,/g, ''));
  await expect
    .poll(async () => Number((await page.getByTestId('ticks').innerText()).replace(/,/g, '')), { timeout: 15_000 })
    .toBeGreaterThanOrEqual(start + more);
}
