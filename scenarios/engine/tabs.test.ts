/**
 * The connection-limit scenario in a real Chromium: seven tabs of one browser each hold an SSE stream
 * over TLS. On HTTP/1.1 the seventh waits for one of the six connections Chromium allows per host and
 * opens only once the first tab closes; on HTTP/2 every tab opens on one connection.
 */
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import { runTabs } from './browser/tabs.js';

function findChromium(): string | null {
  try {
    const path = process.env.CHROMIUM_PATH || chromium.executablePath();
    return path && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

describe.skipIf(findChromium() === null)('seven tabs holding an SSE stream each (one browser context, TLS)', () => {
  it('HTTP/1.1: the seventh tab stalls until the first closes', { timeout: 90_000 }, async () => {
    const result = await runTabs({ tabs: 7, http: '1.1', transport: 'sse' });
    expect(result.tabs.map((t) => t.stalled)).toEqual([false, false, false, false, false, false, true]);
    expect(result.tabs.every((t) => t.openMs !== null)).toBe(true); // it did open, once a connection was free
    expect(result.connections).toBeGreaterThanOrEqual(6);
  });

  it('HTTP/2: every tab opens, all on one connection', { timeout: 90_000 }, async () => {
    const result = await runTabs({ tabs: 7, http: '2', transport: 'sse' });
    expect(result.tabs.map((t) => t.stalled)).toEqual(Array(7).fill(false));
    expect(result.tabs.every((t) => t.openMs !== null)).toBe(true);
    expect(result.connections).toBe(1);
  });
});
