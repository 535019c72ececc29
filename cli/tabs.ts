/** `transport-lab tabs`: the connection-limit scenario (scenarios/engine/browser/tabs.ts), as a table. */
import type { Command } from 'commander';
import type { TabsOptions, TabsResult } from '../scenarios/engine/browser/tabs.js';

export function formatTabs(results: TabsResult[]): string {
  const lines = results.map((r) => {
    const tabs = r.tabs.map(
      (t) =>
        `${t.tab}: ${t.openMs === null ? 'never' : `${t.openMs} ms`}${t.stalled ? ' (stalled until tab 1 closed)' : ''}`,
    );
    const stalled = r.tabs.filter((t) => t.stalled).map((t) => t.tab);
    return (
      `HTTP/${r.http} · ${r.transport} · ${r.browser}: ${r.connections} TLS connection(s); ` +
      `stalled: ${stalled.length ? `tab ${stalled.join(', ')}` : 'none'}\n  time to open: ${tabs.join(', ')}`
    );
  });
  return `${lines.join('\n')}\n`;
}

export function registerTabsCommand(program: Command): Command {
  return program
    .command('tabs')
    .description(
      'N tabs of one browser each holding a stream over TLS, on HTTP/1.1 and HTTP/2: time to open, which tab stalls',
    )
    .option('--tabs <n>', 'tabs (one Chromium context)', '7')
    .option('--http <list>', 'HTTP versions: 1.1, 2 or 1.1,2', '1.1,2')
    .option('--transport <name>', 'the stream each tab holds: sse, long-polling or websocket', 'sse')
    .option('--json', 'print JSON')
    .action(async (o: { tabs: string; http: string; transport: string; json?: boolean }) => {
      // Chromium is driven with playwright-core, an optional peer dependency: name it when it is missing.
      const { runTabs } = await import('../scenarios/engine/browser/tabs.js').catch((error: Error) => {
        if (!/'playwright-core'/.test(String(error))) throw error;
        throw new Error('transport-lab tabs drives Chromium: npm install playwright-core (and set CHROMIUM_PATH)');
      });
      const tabs = Number(o.tabs);
      if (!Number.isInteger(tabs) || tabs < 1) throw new Error(`--tabs takes a positive integer (got ${o.tabs})`);
      if (!['sse', 'long-polling', 'websocket'].includes(o.transport))
        throw new Error(`--transport takes sse, long-polling or websocket (got ${o.transport})`);
      const results: TabsResult[] = [];
      for (const http of o.http.split(',').map((h) => h.trim())) {
        if (http !== '1.1' && http !== '2') throw new Error(`--http takes 1.1, 2 or 1.1,2 (got ${o.http})`);
        results.push(await runTabs({ tabs, http, transport: o.transport as TabsOptions['transport'] }));
      }
      process.stdout.write(o.json ? `${JSON.stringify(results, null, 2)}\n` : formatTabs(results));
    });
}
