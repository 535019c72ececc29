/**
 * connect(): the message client, one source for browsers and Node.
 *
 *   const client = connect('http://localhost:3000/rt', { transports: ['websocket', 'sse', 'long-polling'] });
 *   client.on('message', (data) => …);       // string | Uint8Array | parsed JSON value
 *   client.on('transport', ({ from, to, reason }) => …);
 *   client.send({ hello: 'world' });
 *
 * In Node it uses `ws` and the `eventsource` package; bundled for browsers (esbuild, platform
 * browser) `platform.node.ts` is swapped for `platform.browser.ts` and the native APIs are used.
 */
import { Client, type ClientOptions } from './client.js';
import { platform } from './platform.node.js';

export { Client } from './client.js';
export type { Attempt, ClientEvents, ClientOptions, ClientState, ReconnectPolicy } from './client.js';
export type { StrategyName } from './strategy.js';
export { CloseCodes, ErrorCodes, TransportLabError, TRANSPORTS, type TransportName } from '../protocol/index.js';

export function connect(url: string, options: ClientOptions = {}): Client {
  return new Client(url, platform, options);
}
