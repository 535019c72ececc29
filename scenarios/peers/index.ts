/**
 * Contender → server and client factories, by the contender's family (contenders.ts). Factories
 * are loaded lazily so a worker only pulls in the client library it runs, and the server process
 * only the server it hosts.
 */
import { CONTENDER_INFO, type Contender, type Family } from '../contenders.js';
import type { ClientFactory, ServerAdapter, ServerOptions } from './adapter.js';

const servers: Record<Family, () => Promise<(options: ServerOptions) => ServerAdapter>> = {
  ours: async () => (await import('./ours.server.js')).createOurServer,
  socketio: async () => (await import('./socketio.server.js')).createSocketIoServer,
  'raw-ws': async () => (await import('./raw-ws.server.js')).createRawWsServer,
};

const clients: Record<Family, () => Promise<ClientFactory>> = {
  ours: async () => (await import('./ours.node-client.js')).createOurNodeClient,
  socketio: async () => (await import('./socketio.client.js')).createSocketIoClient,
  'raw-ws': async () => (await import('./raw-ws.client.js')).createRawWsClient,
};

export async function loadServer(contender: Contender, options: ServerOptions): Promise<ServerAdapter> {
  return (await servers[CONTENDER_INFO[contender].family]())(options);
}

export async function loadClient(contender: Contender): Promise<ClientFactory> {
  return clients[CONTENDER_INFO[contender].family]();
}

export type * from './adapter.js';
