/**
 * What the page inlines: Chart.js (its UMD build from node_modules), the chart script and the
 * stylesheet from this folder. Read once per process.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let cache: { chartJs: string; charts: string; css: string } | undefined;

/**
 * Chart.js ships dist/chart.umd.min.js (a browser global build). Its licence banners stay; the URL
 * lines inside them and the source-map comment go, so the page names no host and asks for nothing.
 */
function chartJs(): string {
  const entry = createRequire(import.meta.url).resolve('chart.js'); // …/chart.js/dist/chart.cjs
  const source = readFileSync(join(dirname(entry), 'chart.umd.min.js'), 'utf8');
  const cleaned = source
    .replace(/^ \* https?:\/\/\S+\n/gm, '')
    .replace(/^\/\/# sourceMappingURL=.*$/m, '')
    .trimEnd();
  if (/https?:\/\//.test(cleaned)) throw new Error('chart.umd.min.js still names a URL; update reports/html/assets.ts');
  if (/<\/script/i.test(cleaned)) throw new Error('chart.umd.min.js contains "</script"; it cannot be inlined as is');
  return cleaned;
}

export function assets(): { chartJs: string; charts: string; css: string } {
  cache ??= {
    chartJs: chartJs(),
    charts: readFileSync(new URL('./browser-charts.js', import.meta.url), 'utf8'),
    css: readFileSync(new URL('./report.css', import.meta.url), 'utf8'),
  };
  return cache;
}
