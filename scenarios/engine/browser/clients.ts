/**
 * Browser-mode scenario clients: headless Chromium pages that run the scenario's client adapters
 * (scenarios/peers/ours.client.ts, socketio.client.ts) on the browser's own WebSocket, EventSource
 * and fetch, so request headers (User-Agent, Accept, Accept-Language, Origin…) and timing come from a
 * real browser. raw-ws has no browser client (its adapter is the Node `ws` package).
 *
 *   const browser = await launchBrowserClients({ count: 4 });   // Chromium, one page per client
 *   await browser.load(proxyBaseUrls);                          // page i goes to proxyBaseUrls[i]'s origin
 *   const adapter = browser.factory(proxyBaseUrls[i], clientOptions, events);   // a ClientFactory
 *   …
 *   await browser.close();
 *
 * `factory` has the ClientFactory signature (scenarios/peers/adapter.ts): a LoadClient drives a
 * browser client exactly as it drives a Node one. Each client gets its own page in its own browser
 * context (Chromium limits HTTP/1.1 connections per host per context to 6: SSE and long-polling
 * clients sharing one would starve), at its own URL (the runner gives each client its own port of
 * the proxy: its own link). The page is served at `${url}/__transport-lab/harness` by
 * request interception, so it is same-origin with the server behind `url` and passes the default
 * origin policy. Loading the page sends nothing to the server; interception is switched off once
 * the page is up (while on, Playwright holds every request of the page, and Chromium adds no-cache
 * request headers).
 *
 * Timing: each page's clock offset to Node's clock (payload.ts `now()`) is estimated over CDP from
 * the quickest of several round trips, ± half that round trip. Page and Node read the same system
 * clock, so the offset is applied only when it is larger than that uncertainty (otherwise it is
 * noise, and correcting by it would add error). Timed events (`open`, `message`, `down`, `up`)
 * get the page's time converted to Node's clock, and the page re-stamps each payload with its own
 * send time the same way: the CDP hop between Node and the page is in neither.
 */
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import type { ClientAdapter, ClientEvents, ClientFactory } from '../../peers/adapter.js';
import { CONTENDER_INFO, hasBrowserClient } from '../../contenders.js';
import { now, type AppData } from '../../load/payload.js';
import { chromiumLaunchOptions } from './chromium.js';
import { type Certificate, chromiumTrustArgs } from '../../network/certificate.js';
import { bundleHarness, type Asset } from './bundle.js';
import type { HarnessCommand, HarnessEvent, HarnessFamily } from './harness.js';

export const HARNESS_PATH = '/__transport-lab/harness';
const CLOCK_SAMPLES = 20;
/** ClientEvents that take a time (`at`), with how many arguments come before it. */
const TIMED: Record<string, number> = { open: 1, message: 1, down: 1, up: 0 };

export interface BrowserClientsOptions {
  /** Base URL of the server (the proxy in front of it), http://host:port, for every page; or call `load` later. */
  url?: string;
  /** How many clients (pages) to prepare. */
  count: number;
  /** Pass `false` to watch the pages. */
  headless?: boolean;
  /** A throwaway certificate to trust (by its public key's hash): TLS runs. */
  trust?: Certificate;
  /**
   * One browser context for every page, like one user's tabs (they share Chromium's connection pool:
   * 6 HTTP/1.1 connections per host, one HTTP/2 connection). Default: a context per page.
   */
  sharedContext?: boolean;
}

export interface BrowserClients {
  /** Hands out one loaded page per call; throws when all `count` are taken or before `load`. */
  factory: ClientFactory;
  /** The User-Agent the pages send, and the browser's version. */
  userAgent: string;
  version: string;
  /** Console errors and page errors seen so far (each prefixed with the client index). */
  errors: string[];
  /**
   * After `load`: the largest estimated page clock offset to Node's clock, the largest uncertainty
   * of an estimate (ms), and how many pages had an offset beyond its uncertainty (corrected).
   */
  clock: { maxOffsetMs: number; maxUncertaintyMs: number; correctedPages: number } | null;
  /** Opens the harness in page i at urls[i]'s origin (one URL: every page at it). */
  load(urls: string | readonly string[]): Promise<void>;
  /** CPU time used so far by each Chromium process (browser, renderers, GPU, network service…). */
  processCpu(): Promise<Array<{ type: string; id: number; cpuSeconds: number }>>;
  close(): Promise<void>;
}

interface Slot {
  /** The origin its page was loaded at: the factory hands it to a client of that origin. */
  origin: string;
  taken: boolean;
  context: BrowserContext;
  page: Page;
  events: ClientEvents | null;
  transport: string;
  /** Page clock − Node clock as estimated, ± uncertainty (ms); `applied`: what times are corrected by. */
  offset: number;
  uncertainty: number;
  applied: number;
  /** Commands not yet handed to the page; at most one hand-over in flight keeps them in order. */
  outbox: HarnessCommand[];
  busy: boolean;
}

export async function launchBrowserClients(options: BrowserClientsOptions): Promise<BrowserClients> {
  const assets = await bundleHarness();
  const browser = await chromium.launch({
    ...chromiumLaunchOptions,
    // A fulfilled (intercepted) page has no IP address space, so Chromium would treat it as public
    // and block its requests to 127.0.0.1 (Local Network Access). Served for real by the server,
    // the page would be loopback talking to loopback: no check applies. Switch it off to match.
    args: [
      ...chromiumLaunchOptions.args,
      '--disable-features=LocalNetworkAccessChecks',
      ...(options.trust ? chromiumTrustArgs(options.trust) : []),
    ],
    headless: options.headless ?? true,
    // Playwright's own handlers would close the browser and exit the process on Ctrl-C; the runner
    // aborts instead, collects the run's report and closes the browser itself.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const html = String(assets.get('/harness.html')!.contents).replace('/harness.js', `${HARNESS_PATH}.js`);
  const harness = new Map<string, Asset>([
    [HARNESS_PATH, { contents: html, type: assets.get('/harness.html')!.type }],
    [`${HARNESS_PATH}.js`, assets.get('/harness.js')!],
  ]);
  const errors: string[] = [];
  let closed = false;
  let loaded = false;
  let cdp: CDPSession | null = null;

  const shared = options.sharedContext ? await browser.newContext() : null;
  const prepare = async (index: number): Promise<Slot> => {
    const context = shared ?? (await browser.newContext());
    const page = await context.newPage();
    const slot: Slot = {
      origin: '',
      taken: false,
      context,
      page,
      events: null,
      transport: 'none',
      offset: 0,
      uncertainty: 0,
      applied: 0,
      outbox: [],
      busy: false,
    };
    page.on('console', (m) => void (m.type() === 'error' && errors.push(`client ${index}: ${m.text()}`)));
    page.on('pageerror', (e) => void errors.push(`client ${index}: ${e.message}`));
    page.on('crash', () => void errors.push(`client ${index}: the page crashed`));
    await page.exposeBinding('__labEvents', (_source, batch: HarnessEvent[]) => {
      for (const [, name, args, pageTime, transport] of batch) {
        slot.transport = transport;
        const events = slot.events as unknown as Record<string, (...a: unknown[]) => void> | null;
        const timed = TIMED[name];
        // Timed events get the page's time on Node's clock as their last argument (ClientEvents `at`).
        if (timed !== undefined) events?.[name]?.(...args.slice(0, timed), pageTime - slot.applied);
        else events?.[name]?.(...args);
      }
    });
    return slot;
  };
  const slots = await Promise.all(Array.from({ length: options.count }, (_, i) => prepare(i))).catch(
    async (err: unknown) => {
      await browser.close();
      throw err;
    },
  );

  const load = async (slot: Slot, origin: string): Promise<void> => {
    const { page } = slot;
    const pattern = `${origin}${HARNESS_PATH}*`;
    await page.route(pattern, (route) => {
      const asset = harness.get(new URL(route.request().url()).pathname);
      return asset
        ? route.fulfill({ body: Buffer.from(asset.contents), contentType: asset.type })
        : route.fulfill({ status: 404 });
    });
    await page.goto(`${origin}${HARNESS_PATH}`);
    await page.waitForSelector('html[data-ready="true"]', { state: 'attached' });
    await page.unroute(pattern);
    Object.assign(slot, await estimateOffset(page));
    slot.applied = Math.abs(slot.offset) > slot.uncertainty ? slot.offset : 0;
    await page.evaluate((ms) => window.__lab.setClockOffset(ms), slot.applied);
  };

  /** Hands the queued commands to the page, one evaluate at a time so they run in order. */
  const pump = (slot: Slot, id: number): void => {
    if (slot.busy || slot.outbox.length === 0) return;
    const batch = slot.outbox;
    slot.outbox = [];
    slot.busy = true;
    slot.page
      .evaluate((commands) => window.__lab.run(commands), batch)
      .catch((err: Error) => void (closed || errors.push(`client ${id}: ${err.message}`)))
      .finally(() => {
        slot.busy = false;
        pump(slot, id);
      });
  };
  const factory: ClientFactory = (baseUrl, clientOptions, events): ClientAdapter => {
    if (!loaded) throw new Error('browser clients: call load(url) first');
    if (!hasBrowserClient(clientOptions.contender)) throw new Error(`${clientOptions.contender} has no browser client`);
    const family = CONTENDER_INFO[clientOptions.contender].family;
    const origin = new URL(baseUrl).origin;
    const id = slots.findIndex((s) => !s.taken && s.origin === origin);
    const slot = slots[id];
    if (!slot) throw new Error(`no free browser client loaded at ${origin} (${options.count} in all)`);
    slot.taken = true;
    slot.events = events;
    const command = (c: HarnessCommand) => (slot.outbox.push(c), pump(slot, id));
    command(['open', id, family as HarnessFamily, baseUrl, clientOptions]);
    return {
      transport: () => slot.transport,
      send: (data: AppData) => command(['send', id, data]),
      close: () => command(['close', id]),
    };
  };

  const clients: BrowserClients = {
    factory,
    userAgent: '',
    version: browser.version(),
    errors,
    clock: null,
    async load(urls) {
      const list = typeof urls === 'string' ? [urls] : urls;
      await Promise.all(
        slots.map((slot, i) => {
          slot.origin = new URL(list[i] ?? list[0]!).origin;
          return load(slot, slot.origin);
        }),
      );
      loaded = true;
      clients.userAgent = (await slots[0]?.page.evaluate(() => navigator.userAgent)) ?? '';
      clients.clock = {
        maxOffsetMs: Math.max(0, ...slots.map((s) => Math.abs(s.offset))),
        maxUncertaintyMs: Math.max(0, ...slots.map((s) => s.uncertainty)),
        correctedPages: slots.filter((s) => s.applied !== 0).length,
      };
    },
    async processCpu() {
      cdp ??= await browser.newBrowserCDPSession();
      const info = (await cdp.send('SystemInfo.getProcessInfo')) as {
        processInfo: Array<{ type: string; id: number; cpuTime: number }>;
      };
      return info.processInfo.map((p) => ({ type: p.type, id: p.id, cpuSeconds: p.cpuTime }));
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.context.close().catch(() => {})));
      await browser.close();
    },
  };
  if (options.url)
    await clients.load(options.url).catch(async (err: unknown) => {
      await clients.close();
      throw err;
    });
  return clients;
}

/** Page clock − Node clock from the CDP round trip with the least delay; ± half that round trip. */
async function estimateOffset(page: Page): Promise<{ offset: number; uncertainty: number }> {
  let best = { offset: 0, uncertainty: Infinity };
  for (let i = 0; i < CLOCK_SAMPLES; i++) {
    const before = now();
    const pageTime = await page.evaluate(() => window.__lab.now());
    const after = now();
    if ((after - before) / 2 < best.uncertainty)
      best = { offset: pageTime - (before + after) / 2, uncertainty: (after - before) / 2 };
  }
  return best;
}
