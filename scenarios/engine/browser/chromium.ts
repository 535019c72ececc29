/**
 * How Chromium is launched, for browser scenario clients and the browser tests alike. Where
 * Playwright cannot download its own browser (this project's CI), point CHROMIUM_PATH at a system
 * Chromium (Debian: /usr/bin/chromium); elsewhere Playwright's bundled Chromium is used.
 */
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH || undefined,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'],
};
