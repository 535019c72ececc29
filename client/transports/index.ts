/** The client's transports by name: the class the Client opens for each. */
import type { TransportName } from '../../protocol/index.js';
import type { ClientTransportClass } from '../transport.js';
import { LongPollingTransport } from './long-polling.js';
import { SseTransport } from './sse.js';
import { WebSocketTransport } from './websocket.js';

export const CLIENT_TRANSPORTS: { readonly [name in TransportName]: ClientTransportClass } = {
  websocket: WebSocketTransport,
  sse: SseTransport,
  'long-polling': LongPollingTransport,
};
