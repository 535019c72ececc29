/**
 * Test helpers shared by the meter's tests: a little HTTP + ws server and a metered proxy in front
 * of it, torn down by `closeAll()`. Real sockets on 127.0.0.1 only.
 */
import http from 'node:http';
import type net from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { createProxy, type NetworkProxy } from '../network/proxy.js';
import { createWireMeter, type Dialect, type WireMeter } from './meter.js';

export interface TestServer {
  port: number;
  http: http.Server;
  wss: WebSocketServer;
}

const closers: Array<() => Promise<unknown> | unknown> = [];

export async function closeAll(): Promise<void> {
  while (closers.length) await closers.pop()!();
}

export function onClose(fn: () => Promise<unknown> | unknown): void {
  closers.push(fn);
}

export async function startServer(
  handler: http.RequestListener = (_req, res) => res.end(),
  onWebSocket: (ws: WebSocket, req: http.IncomingMessage) => void = () => {},
): Promise<TestServer> {
  const server = http.createServer(handler);
  const wss = new WebSocketServer({ server });
  wss.on('connection', onWebSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    wss.clients.forEach((c) => c.terminate());
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return { port: (server.address() as net.AddressInfo).port, http: server, wss };
}

export async function meteredProxy(port: number, dialect: Dialect): Promise<{ proxy: NetworkProxy; meter: WireMeter }> {
  const meter = createWireMeter({ dialect });
  const proxy = await createProxy({ target: { host: '127.0.0.1', port }, tap: meter.tap });
  closers.push(() => proxy.close());
  return { proxy, meter };
}

export { sleep, until } from '../testkit.js';
