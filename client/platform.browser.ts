/** Browsers: the native WebSocket, EventSource and fetch (client/browser.ts). */
import type { Platform } from './transport.js';

export const platform: Platform = {
  WebSocket: globalThis.WebSocket as unknown as Platform['WebSocket'],
  EventSource: globalThis.EventSource as unknown as Platform['EventSource'],
  fetch: (input, init) => globalThis.fetch(input, init),
  // WebSocket and EventSource cannot set headers; a cross-origin fetch with them needs a preflight.
  headers: (kind, url) => kind === 'fetch' && url.origin === globalThis.location?.origin,
};
