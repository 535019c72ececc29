/**
 * Browser-mode scenario clients: headless Chromium pages that run the scenario's client adapters
 * (scenarios/peers/ours.client.ts, socketio.client.ts) on the browser's own WebSocket, EventSource
 * and fetch, so request headers (User-Agent, Accept, Accept-Language, Origin…) and timing come from a
 * real browser.
 *
 *   const browser = await launchBrowserClients({ url: proxyBaseUrl, count: 4 });
 *   const adapter = browser.factory(proxyBaseUrl, clientOptions, events);   // a ClientFactory
 *   …
 *   await browser.close();
 *
 * `factory` has the ClientFactory signature (scenarios/peers/adapter.ts): a LoadClient drives a
 * browser client exactly as it drives a Node one. Each client gets its own page in its own browser
 * context (Chromium limits HTTP/1.1 connections per host per context to 6: SSE and long-polling
 * clients sharing one would starve). The page is served at `${url}/__transport-lab/harness` by
 * request interception, so it is same-origin with the server behind `url` and passes the default
 * origin policy.
 *
 * Timing: `events.message(data, receivedAt)` gets the page's receive time as a second argument
 * (performance.timeOrigin + performance.now() in the page, the clock the payload stamps use);
 * Node's now() at delivery is later by the CDP relay. Sends travel Node → page over CDP before the
 * browser sends them: a client→server latency measured from a Node-made stamp includes that hop.
 */
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { ClientAdapter, ClientEvents, ClientFactory } from '../scenarios/peers/adapter.js';
import { FAMILY } from '../scenarios/peers/index.js';
import type { AppData } from '../scenarios/payload.js';
import { chromiumLaunchOptions } from '../playwright.config.js';
import { buildAssets, type Asset } from './build.js';
import type { HarnessEvent, HarnessFamily } from './page/harness.js';

export const HARNESS_PATH = '/__transport-lab/harness';

export interface BrowserClientsOptions {
  /** Base URL of the server the clients will connect to (the proxy in front of it): http://host:port. */
  url: string;
  /** How many clients (pages) to prepare. */
  count: number;
  /** Pass `false` to watch the pages. */
  headless?: boolean;
}

export interface BrowserClients {
  /** Hands out one prepared page per call; throws when all `count` are taken. */
  factory: ClientFactory;
  /** The User-Agent the pages send. */
  userAgent: string;
  /** Console errors and page errors seen so far (each prefixed with the client index). */
  errors: string[];
  close(): Promise<void>;
}

interface Slot {
  context: BrowserContext;
  page: Page;
  events: ClientEvents | null;
  transport: string;
}

export async function launchBrowserClients(options: BrowserClientsOptions): Promise<BrowserClients> {
  const origin = new URL(options.url).origin;
  const assets = await buildAssets();
  const harness = new Map<string, Asset>([
    [HARNESS_PATH, assets.get('/harness.html')!],
    [`${HARNESS_PATH}.js`, assets.get('/harness.js')!],
  ]);
  const html = String(harness.get(HARNESS_PATH)!.contents).replace('/harness.js', `${HARNESS_PATH}.js`);
  const browser: Browser = await chromium.launch({ ...chromiumLaunchOptions, headless: options.headless ?? true });
  const errors: string[] = [];

  const prepare = async (index: number): Promise<Slot> => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const slot: Slot = { context, page, events: null, transport: 'none' };
    page.on('console', (m) => void (m.type() === 'error' && errors.push(`client ${index}: ${m.text()}`)));
    page.on('pageerror', (e) => void errors.push(`client ${index}: ${e.message}`));
    await page.route(`${origin}${HARNESS_PATH}*`, (route) => {
      const path = new URL(route.request().url()).pathname;
      const body = path === HARNESS_PATH ? html : harness.get(path)?.contents;
      return body === undefined ? route.fulfill({ status: 404 }) : route.fulfill({ body: Buffer.from(body), contentType: harness.get(path)!.type });
    });
    await page.exposeBinding('__labEvents', (_source, batch: HarnessEvent[]) => {
      for (const [, name, args, receivedAt, transport] of batch) {
        slot.transport = transport;
        const events = slot.events as unknown as Record<string, (...a: unknown[]) => void> | null;
        if (name === 'message') events?.message(revive(args[0]), receivedAt);
        else events?.[name]?.(...args);
      }
    });
    await page.goto(`${origin}${HARNESS_PATH}`);
    await page.waitForSelector('html[data-ready="true"]', { state: 'attached' });
    return slot;
  };
  const slots = await Promise.all(Array.from({ length: options.count }, (_, i) => prepare(i)));
  const userAgent = await slots[0]?.page.evaluate(() => navigator.userAgent) ?? '';
  let next = 0;

  const factory: ClientFactory = (baseUrl, clientOptions, events): ClientAdapter => {
    const id = next++;
    const slot = slots[id];
    if (!slot) throw new Error(`all ${options.count} browser clients are in use`);
    const family = FAMILY[clientOptions.contender];
    if (family !== 'ours' && family !== 'socketio') throw new Error(`${clientOptions.contender} has no browser client`);
    slot.events = events;
    void slot.page.evaluate(([i, f, u, o]) => window.__lab.open(i, f, u, o), [id, family as HarnessFamily, baseUrl, clientOptions] as const);
    return {
      transport: () => slot.transport,
      send: (data: AppData) => void slot.page.evaluate(([i, d]) => window.__lab.send(i, d), [id, data] as const).catch(() => {}),
      close: () => void slot.page.evaluate((i) => window.__lab.close(i), id).catch(() => {}),
    };
  };

  return {
    factory,
    userAgent,
    errors,
    async close() {
      await Promise.all(slots.map((s) => s.context.close().catch(() => {})));
      await browser.close();
    },
  };
}

/** Binary payloads cross CDP as typed arrays or, in older serializers, as index → byte objects. */
function revive(data: unknown): AppData {
  if (data instanceof Uint8Array || typeof data === 'string') return data;
  return data as AppData;
}
