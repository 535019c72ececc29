import { chromium } from '@playwright/test';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
page.on('console', (m) => console.log('console', m.type(), m.text()));
await page.goto('file:///tmp/rep/report.html');
const h = await page.evaluate(() => document.body.scrollHeight);
console.log('height', h);
const start = Number(process.argv[2] ?? 0), step = 1900;
for (let y = start, i = 0; y < h && i < 5; y += step, i++) {
  await page.screenshot({ path: `/tmp/rep/s${i}.png`, fullPage: true, clip: { x: 0, y, width: 1280, height: Math.min(step, h - y) } });
}
await browser.close();
