import { defineConfig } from '@playwright/test';

/**
 * Browser tests run in Chromium. Where Playwright cannot download its own browser (this project's
 * CI), point CHROMIUM_PATH at a system Chromium (Debian: /usr/bin/chromium); elsewhere Playwright's
 * bundled Chromium is used.
 */
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH || undefined,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'],
};

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 60_000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: chromiumLaunchOptions,
    screenshot: 'only-on-failure',
  },
});
