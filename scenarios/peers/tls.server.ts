/**
 * The HTTP server a contender listens on: plain HTTP/1.1, or over TLS 1.3 (HTTPS, or HTTP/2 with
 * HTTP/1.1 beside it for WebSocket upgrades). TLS secrets go to `keylog` so the wire meter can
 * decrypt what it counts (scenarios/meter/tls.ts).
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { ServerTls } from './adapter.js';

export type ContenderHttpServer = http.Server | https.Server | http2.Http2SecureServer;

const connections = new WeakMap<ContenderHttpServer, Set<Socket>>();

export function createContenderServer(tls: ServerTls | undefined): ContenderHttpServer {
  const server = tls ? secureServer(tls) : http.createServer();
  const open = new Set<Socket>();
  connections.set(server, open);
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return server;
}

function secureServer(tls: ServerTls): ContenderHttpServer {
  const options = { key: tls.key, cert: tls.cert, minVersion: 'TLSv1.3' as const };
  const server = tls.http2 ? http2.createSecureServer({ ...options, allowHTTP1: true }) : https.createServer(options);
  if (tls.keylog) server.on('keylog', tls.keylog);
  return server;
}

/** Stops listening and drops every connection (keep-alive, HTTP/2 sessions, upgraded sockets). */
export function closeContenderServer(server: ContenderHttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of connections.get(server) ?? []) socket.destroy();
  });
}
