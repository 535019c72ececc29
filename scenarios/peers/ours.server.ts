/** Our message server as a contender: createMessageServer() listening on its own. */
import { createMessageServer } from '../../server/index.js';
import { redisBackplane } from '../../server/redis.js';
import type { AppData, ServerAdapter, ServerOptions } from './adapter.js';
import { closeContenderServer, createContenderServer } from './tls.server.js';

export const OURS_BASE_PATH = '/rt';

export function createOurServer(options: ServerOptions): ServerAdapter {
  const httpServer = createContenderServer(options.tls);
  const server = createMessageServer({
    server: httpServer,
    basePath: OURS_BASE_PATH,
    compression: options.compression, // every transport: permessage-deflate, gzip/brotli on SSE and polls
    maxMessageBytes: Math.max(1024 * 1024, options.maxMessageBytes),
    sessionRateLimit: false, // every load client connects from this machine: the limit is for hostile clients
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.cluster
      ? { backplane: redisBackplane({ url: options.cluster.redisUrl, node: options.cluster.node }) }
      : {}),
  });
  return {
    listen: async (port = 0) => (await server.listen(port, '127.0.0.1')).port,
    onConnection(listener) {
      server.on('connection', (conn) => {
        listener({
          transport: () => conn.transport ?? 'none',
          send: (data) => conn.send(data),
          join: (room) => conn.join(room),
          onMessage: (fn) => conn.on('message', (data) => fn(data as AppData)),
          onClose: (fn) => conn.on('close', () => fn()),
          adopted: conn.adopted,
        });
      });
    },
    broadcast: (data, room) => server.broadcast(data, room ? { room } : {}),
    close: async () => {
      await server.close();
      await closeContenderServer(httpServer); // the message server leaves a server it was given open
    },
  };
}
