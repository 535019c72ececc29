/**
 * Browser clients (plan.clientMode 'browser'): the scenario's clients as pages in headless
 * Chromium, measured by the same runner, proxy and meter as Node clients. Real Chromium, real
 * sockets; each transport runs once with browser clients and once with Node clients, and the two
 * must differ where a browser really differs: the request headers it sends.
 */
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import { describeRun, testPlan } from './testkit.js';
import { runPlan } from './runner.js';
import { TRANSPORTS } from '../../protocol/index.js';
import { LATENCY_HISTOGRAMS, type Contender, type RunResult } from '../results.js';

function findChromium(): string | null {
  try {
    const path = process.env.CHROMIUM_PATH || chromium.executablePath();
    return path && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}
const noChromium = findChromium() === null;

/** Chat-like: two clients in one room, each posting 5 small JSON messages a second, relayed to both. */
const chat = (contender: Contender, clientMode: 'node' | 'browser') =>
  testPlan(
    contender,
    {
      clients: 2,
      duration: '2s',
      payload: { bytes: 200, kind: 'json' },
      traffic: { pattern: 'fanout', rate: 5, rooms: 1 },
    },
    { clientMode },
  );

/** HTTP request-head bytes the clients sent per message they sent (POSTs, and polls on long-polling). */
const headsPerMessage = (r: RunResult) => r.bytes.upstream.httpHeaders / r.delivery.clientToServer.received;

describe.skipIf(noChromium)(
  'browser clients (headless Chromium; set CHROMIUM_PATH or run `npx playwright install chromium`)',
  () => {
    it.each<Contender>([...TRANSPORTS])(
      '%s: delivers everything in order, measures latency, and sends a browser’s request headers',
      async (contender) => {
        const browser = await runPlan(chat(contender, 'browser'));
        expect(browser.status, describeRun(browser)).toBe('ok');
        expect(browser.clientMode).toBe('browser');
        expect(browser.finalTransports).toEqual({ [contender]: 2 });
        for (const direction of ['serverToClient', 'clientToServer'] as const) {
          const d = browser.delivery[direction];
          expect(d.received, direction).toBeGreaterThan(0);
          expect({ lost: d.lost, duplicated: d.duplicated, outOfOrder: d.outOfOrder }, direction).toEqual({
            lost: 0,
            duplicated: 0,
            outOfOrder: 0,
          });
        }
        // Every histogram but the reconnect gap: nothing cuts the connections here.
        for (const metric of LATENCY_HISTOGRAMS.filter((h) => h !== 'reconnectGap')) {
          expect(browser.latency[metric]?.count, metric).toBeGreaterThan(0);
        }
        expect(browser.browser).toMatchObject({
          name: expect.stringMatching(/^Chromium \d/),
          userAgent: expect.stringMatching(/Chrome\/\d/),
          pageErrors: [],
        });
        // The page clocks were estimated (an estimate that never happened is null, or Infinity).
        const clock = browser.browser!.clock!;
        expect(Number.isFinite(clock.maxUncertaintyMs) && Number.isFinite(clock.maxOffsetMs)).toBe(true);
        expect(browser.loadGenerator.cpuPercent).toBeGreaterThan(0); // Chromium's CPU, not the relay's

        const node = await runPlan(chat(contender, 'node'));
        expect(node.status, describeRun(node)).toBe('ok');
        // Same application traffic, so the difference is the browser's request heads (User-Agent,
        // Accept-Language, Origin, Sec-Fetch-*, …): on the handshake of a transport that sends no
        // request per message (WebSocket), on every request otherwise.
        if (node.bytes.upstream.httpHeaders === 0)
          expect(browser.bytes.upstream.handshake).toBeGreaterThan(node.bytes.upstream.handshake);
        else expect(headsPerMessage(browser)).toBeGreaterThan(headsPerMessage(node));
      },
      60_000,
    );
  },
);

it('fails a browser run of a contender without a browser client, saying so', async () => {
  const result = await runPlan(chat('raw-ws', 'browser'));
  expect(result.status).toBe('failed');
  expect(result.error).toMatch(/raw-ws has no browser client/);
});
