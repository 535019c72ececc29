import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './scenarios/engine/browser/chromium.js';

/** Browser tests run in Chromium: CHROMIUM_PATH selects a system one (see chromium.ts). */
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
