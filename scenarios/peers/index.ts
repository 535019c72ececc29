/**
 * Contender name → server and client factories. Factories are loaded lazily so a worker only pulls
 * in the client library it runs, and the server process only the server it hosts.
 */
import type { Contender } from '../results.js';
import type { ClientFactory, ServerAdapter, ServerOptions } from './adapter.js';

type Family = 'ours' | 'socketio' | 'raw-ws';

export const FAMILY: Record<Contender, Family> = {
  websocket: 'ours',
  sse: 'ours',
  'long-polling': 'ours',
  auto: 'ours',
  socketio: 'socketio',
  'socketio-websocket': 'socketio',
  'socketio-polling': 'socketio',
  'raw-ws': 'raw-ws',
};

/** Contenders whose client also runs in a browser page (engine/browser/clients.ts); raw-ws is Node's `ws`. */
export function hasBrowserClient(contender: Contender): boolean {
  return FAMILY[contender] !== 'raw-ws';
}

const servers: Record<Family, () => Promise<(options: ServerOptions) => ServerAdapter>> = {
  ours: async () => (await import('./ours.server.js')).createOurServer,
  socketio: async () => (await import('./socketio.server.js')).createSocketIoServer,
  'raw-ws': async () => (await import('./raw-ws.server.js')).createRawWsServer,
};

const clients: Record<Family, () => Promise<ClientFactory>> = {
  ours: async () => (await import('./ours.client.js')).createOurClient,
  socketio: async () => (await import('./socketio.client.js')).createSocketIoClient,
  'raw-ws': async () => (await import('./raw-ws.client.js')).createRawWsClient,
};

export async function loadServer(contender: Contender, options: ServerOptions): Promise<ServerAdapter> {
  return (await servers[FAMILY[contender]]())(options);
}

export async function loadClient(contender: Contender): Promise<ClientFactory> {
  return clients[FAMILY[contender]]();
}

export type * from './adapter.js';
