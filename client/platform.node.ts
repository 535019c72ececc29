/**
 * Node: `ws` and the `eventsource` package stand in for the browser's WebSocket and EventSource, and
 * polls and POSTs (and the event stream's GET) go through node:http keep-alive agents (fetch.node.ts).
 */
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { nodeFetch } from './fetch.node.js';
import type { Platform } from './transport.js';

export const platform: Platform = {
  WebSocket: WebSocket as unknown as Platform['WebSocket'],
  EventSource: EventSource as unknown as Platform['EventSource'],
  fetch: nodeFetch,
  headers: () => true,
};
