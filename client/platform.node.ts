/** Node: `ws` and the `eventsource` package stand in for the browser's WebSocket and EventSource. */
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import type { Platform } from './transport.js';

export const platform: Platform = {
  WebSocket: WebSocket as unknown as Platform['WebSocket'],
  EventSource: EventSource as unknown as Platform['EventSource'],
  fetch: (input, init) => globalThis.fetch(input, init),
  headers: () => true,
};
