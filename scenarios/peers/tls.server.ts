/**
 * The HTTP server a contender listens on: plain HTTP/1.1, or over TLS 1.3 (HTTPS, or HTTP/2 with
 * HTTP/1.1 beside it for WebSocket upgrades). TLS secrets go to `keylog` so the wire meter can
 * decrypt what it counts (scenarios/meter/tls.ts).
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { ServerTls } from './adapter.js';

export type ContenderHttpServer = http.Server | https.Server | http2.Http2SecureServer;

export function createContenderServer(tls: ServerTls | undefined): ContenderHttpServer {
  if (!tls) return http.createServer();
  const options = { key: tls.key, cert: tls.cert, minVersion: 'TLSv1.3' as const };
  const server = tls.http2 ? http2.createSecureServer({ ...options, allowHTTP1: true }) : https.createServer(options);
  if (tls.keylog) server.on('keylog', tls.keylog);
  return server;
}
