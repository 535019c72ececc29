/**
 * The connection-limit scenario: N tabs of ONE browser (one Chromium context, like one user), each
 * holding a stream to the same origin over TLS, on HTTP/1.1 or HTTP/2. Chromium keeps at most 6
 * HTTP/1.1 connections per host, and a stream holds its connection for as long as it is open, so on
 * HTTP/1.1 the 7th tab's stream waits for a free connection (the classic SSE gotcha); HTTP/2 carries
 * every tab's stream on one connection.
 *
 * Each tab is opened in turn and timed from the moment it starts connecting to its client's `open`
 * (the server's hello arrived over the stream). A tab counts as stalled when it has not opened after
 * every other tab did and a patience window passed (10 × the slowest open so far, at least 2 s: a
 * ratio to what this machine just did, not a fixed bound). Then the first tab is closed, and each
 * stalled tab must open after that: the proof that it waited for a connection, not for the server.
 */
import { createMessageServer } from '../../../server/index.js';
import { createCertificate } from '../../network/certificate.js';
import { now } from '../../load/payload.js';
import type { ClientAdapter, ClientEvents } from '../../peers/adapter.js';
import type { Contender } from '../../results.js';
import { launchBrowserClients } from './clients.js';

export interface TabsOptions {
  tabs: number;
  http: '1.1' | '2';
  /** Our transport each tab holds (a pinned contender): sse or long-polling show the limit; websocket does not count. */
  transport: Extract<Contender, 'sse' | 'long-polling' | 'websocket'>;
}

export interface TabResult {
  /** 1-based, in the order the tabs were opened. */
  tab: number;
  /** From connecting to `open`, ms; null when it never opened. */
  openMs: number | null;
  /** It opened only after the first tab closed. */
  stalled: boolean;
}

export interface TabsResult {
  http: '1.1' | '2';
  transport: string;
  browser: string;
  tabs: TabResult[];
  /** TLS connections the browser opened to the server over the run. */
  connections: number;
}

const MIN_PATIENCE_MS = 2000;
const PATIENCE_FACTOR = 10;
const AFTER_CLOSE_TIMEOUT_MS = 30_000;

export async function runTabs(options: TabsOptions): Promise<TabsResult> {
  const certificate = await createCertificate();
  const rt = createMessageServer({
    tls: { key: certificate.key, cert: certificate.cert, minVersion: 'TLSv1.3' },
    http2: options.http === '2',
    sessionRateLimit: false,
  });
  const { port } = await rt.listen(0, '127.0.0.1');
  let connections = 0;
  rt.httpServer!.on('secureConnection', () => connections++);
  const origin = `https://127.0.0.1:${port}`;
  const browser = await launchBrowserClients({
    count: options.tabs,
    trust: certificate,
    sharedContext: true,
    url: origin,
  }).catch(async (error: unknown) => {
    await rt.close();
    throw error;
  });
  const started: number[] = [];
  const opened: Array<number | null> = Array.from({ length: options.tabs }, () => null);
  let wake: () => void = () => {};
  const adapters: ClientAdapter[] = [];
  try {
    // With HTTP/2 the client's own connect timeout never fires; with HTTP/1.1 it must not either.
    const clientOptions = {
      contender: options.transport,
      strategy: 'fallback' as const,
      compression: false,
      connectTimeoutMs: 120_000,
    };
    for (let i = 0; i < options.tabs; i++) {
      const events: ClientEvents = {
        open: (_transport, at = now()) => {
          opened[i] ??= at;
          wake();
        },
        message: () => {},
        down: () => {},
        up: () => {},
        event: () => {},
      };
      started[i] = now();
      adapters.push(browser.factory(origin, clientOptions, events));
      await waitUntil(
        () => opened[i] !== null,
        MIN_PATIENCE_MS,
        (w) => (wake = w),
      );
    }
    // Every tab that will open by itself has: wait a patience window past the slowest open.
    const patience = () =>
      Math.max(
        MIN_PATIENCE_MS,
        PATIENCE_FACTOR * Math.max(0, ...opened.map((t, i) => (t === null ? 0 : t - started[i]))),
      );
    await waitUntil(
      () => opened.every((t) => t !== null),
      patience(),
      (w) => (wake = w),
    );
    const stalled = opened.map((t) => t === null);
    if (stalled.some(Boolean)) {
      adapters[0].close(); // frees one connection
      await waitUntil(
        () => opened.every((t) => t !== null),
        AFTER_CLOSE_TIMEOUT_MS,
        (w) => (wake = w),
      );
    }
    return {
      http: options.http,
      transport: options.transport,
      browser: `Chromium ${browser.version}`,
      tabs: opened.map((t, i) => ({
        tab: i + 1,
        openMs: t === null ? null : Math.round((t - started[i]) * 10) / 10,
        stalled: stalled[i],
      })),
      connections,
    };
  } finally {
    for (const adapter of adapters) adapter.close();
    await browser.close();
    await rt.close();
  }
}

/** Resolves when `done()` holds (checked whenever `onWake`'s callback is called) or after `timeoutMs`. */
function waitUntil(done: () => boolean, timeoutMs: number, onWake: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    if (done()) return resolve();
    const timer = setTimeout(resolve, timeoutMs);
    onWake(() => {
      if (!done()) return;
      clearTimeout(timer);
      resolve();
    });
  });
}
