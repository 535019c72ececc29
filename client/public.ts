/** What both client entries (Node: index.ts, browsers: browser.ts) export besides connect(). */
export { Client } from './client.js';
export type { Attempt, ClientEvents, ClientOptions, ClientState, ReconnectPolicy } from './client.js';
export type { StrategyName } from './strategy.js';
export { CloseCodes, ErrorCodes, TransportLabError, TRANSPORTS, type TransportName } from '../protocol/index.js';
