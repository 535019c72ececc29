/** The server's transports by name: each entry opens connections under `{base}/{name}`. */
import type { TransportName } from '../../protocol/index.js';
import type { TransportFactory } from '../transport.js';
import { longPolling } from './long-polling.js';
import { sse } from './sse.js';
import { websocket } from './websocket.js';

export const SERVER_TRANSPORTS: { readonly [name in TransportName]: TransportFactory } = {
  websocket,
  sse,
  'long-polling': longPolling,
};
