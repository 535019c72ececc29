/** Socket.IO as a contender, server side: application messages are the event "m". */
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
  return {
    listen: () =>
      new Promise((resolve) =>
        httpServer.listen(0, '127.0.0.1', () => resolve((httpServer.address() as { port: number }).port)),
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
    broadcast(data, room) {
      (room ? io.to(room) : io).emit('m', data);
    },
    async close() {
      await io.close();
    },
  };
}
