/**
 * connect(): the message client in Node (`ws` and the `eventsource` package). Browsers and bundlers
 * get client/browser.ts instead (package.json `exports`, condition `browser`): the same Client on the
 * native WebSocket, EventSource and fetch, with no Node module in the bundle.
 *
 *   const client = connect('http://localhost:3000/rt', { transports: ['websocket', 'sse', 'long-polling'] });
 *   client.on('message', (data) => …);       // string | Uint8Array | parsed JSON value
 *   client.on('transport', ({ from, to, reason }) => …);
 *   client.send({ hello: 'world' });
 */
import type { ClientOptions } from './api.js';
import { Client } from './client.js';
import { platform } from './platform.node.js';

export * from './public.js';

export function connect(url: string, options: ClientOptions = {}): Client {
  return new Client(url, platform, options);
}
