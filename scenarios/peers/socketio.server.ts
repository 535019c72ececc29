/** Socket.IO as a contender, server side: application messages are the event "m". */
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { AppData, ServerAdapter, ServerConn, ServerOptions } from './adapter.js';
import { createContenderServer } from './tls.server.js';

export function createSocketIoServer(options: ServerOptions): ServerAdapter {
  const httpServer = createContenderServer(options.tls);
  const io = new Server(httpServer, {
    serveClient: false,
    perMessageDeflate: options.compression,
    httpCompression: options.compression,
    maxHttpBufferSize: Math.max(1e6, options.maxMessageBytes * 2),
    ...(options.heartbeatMs ? { pingInterval: options.heartbeatMs } : {}),
  });
  // A cluster: Socket.IO's own Redis adapter (rooms and broadcast across nodes; sessions stay per node).
  const redis = options.cluster ? [new Redis(options.cluster.redisUrl), new Redis(options.cluster.redisUrl)] : [];
  for (const client of redis) client.on('error', () => {});
  if (redis.length) io.adapter(createAdapter(redis[0], redis[1]));
  // What engine.io refuses, by message: behind a balancer without affinity, "Session ID unknown".
  const refused: Record<string, number> = {};
  io.engine.on(
    'connection_error',
    (err: { message: string }) => (refused[err.message] = (refused[err.message] ?? 0) + 1),
  );
  return {
    listen: (port = 0) =>
      new Promise((resolve) =>
        httpServer.listen(port, '127.0.0.1', () => resolve((httpServer.address() as { port: number }).port)),
      ),
    onConnection(listener) {
      io.on('connection', (socket) => {
        const conn: ServerConn = {
          transport: () => socket.conn.transport.name,
          send: (data) => socket.emit('m', data),
          join: (room) => void socket.join(room),
          onMessage: (fn) => socket.on('m', (data: AppData) => fn(data)),
          onClose: (fn) => socket.on('disconnect', () => fn()),
        };
        listener(conn);
      });
    },
    refusals: () => ({ ...refused }),
    broadcast(data, room) {
      (room ? io.to(room) : io).emit('m', data);
    },
    async close() {
      await io.close();
      for (const client of redis) client.disconnect();
    },
  };
}
