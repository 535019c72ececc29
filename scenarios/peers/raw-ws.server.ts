/** Plain `ws`, no envelope, no heartbeat: the floor every other contender is compared with. */
import type http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppData, ServerAdapter, ServerConn, ServerOptions } from './adapter.js';
import { createContenderServer } from './tls.server.js';

export const RAW_WS_PATH = '/ws';

/** Objects travel as JSON text; text frames arrive as strings, binary frames as Buffers. */
export function toWire(data: AppData): string | Uint8Array {
  return typeof data === 'string' || data instanceof Uint8Array ? data : JSON.stringify(data);
}

export function fromWire(raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): AppData {
  const bytes = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer);
  return isBinary ? bytes : bytes.toString('utf8');
}

export function createRawWsServer(options: ServerOptions): ServerAdapter {
  // WebSocket only: HTTPS without HTTP/2 (there is nothing for HTTP/2 to carry).
  const httpServer = createContenderServer(options.tls && { ...options.tls, http2: false }) as http.Server;
  const wss = new WebSocketServer({ server: httpServer, path: RAW_WS_PATH, perMessageDeflate: options.compression });
  const rooms = new Map<string, Set<WebSocket>>();
  return {
    listen: (port = 0) =>
      new Promise((resolve) =>
        httpServer.listen(port, '127.0.0.1', () => resolve((httpServer.address() as { port: number }).port)),
      ),
    onConnection(listener) {
      wss.on('connection', (ws) => {
        const conn: ServerConn = {
          transport: () => 'websocket',
          send: (data) => ws.send(toWire(data)),
          join(room) {
            if (!rooms.has(room)) rooms.set(room, new Set());
            rooms.get(room)!.add(ws);
          },
          onMessage: (fn) => ws.on('message', (raw, isBinary) => fn(fromWire(raw, isBinary))),
          onClose: (fn) => ws.on('close', () => fn()),
        };
        ws.on('close', () => rooms.forEach((members) => members.delete(ws)));
        listener(conn);
      });
    },
    broadcast(data, room) {
      const wire = toWire(data);
      for (const ws of room ? (rooms.get(room) ?? []) : wss.clients) if (ws.readyState === ws.OPEN) ws.send(wire);
    },
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => httpServer.close(() => resolve()));
      }),
  };
}
