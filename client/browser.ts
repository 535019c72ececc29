/**
 * connect() for browsers: the same Client as client/index.ts on the native WebSocket, EventSource
 * and fetch. Bundlers pick this file through the `browser` condition of package.json `exports`;
 * the script-tag build exposes it as `TransportLab.connect`.
 */
import type { ClientOptions } from './api.js';
import { Client } from './client.js';
import { platform } from './platform.browser.js';

export * from './public.js';

export function connect(url: string, options: ClientOptions = {}): Client {
  return new Client(url, platform, options);
}
