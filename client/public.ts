/** What both client entries (Node: index.ts, browsers: browser.ts) export besides connect(). */
export { Client } from './client.js';
export { TransportError } from './api.js';
export type { Attempt, ClientEvents, ClientOptions, ClientState, ReconnectPolicy } from './api.js';
export type { StrategyName } from './strategy.js';
export {
  CloseCodes,
  ErrorCodes,
  TransportLabError,
  TRANSPORTS,
  TRANSPORT_CAPABILITIES,
  type ErrorCode,
  type Logger,
  type TransportCapabilities,
  type TransportName,
} from '../protocol/index.js';
