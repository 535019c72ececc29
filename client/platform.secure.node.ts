/**
 * Node platform options for https:/wss: and HTTP/2: `connect(url, { platform: nodePlatform({ ca }) })`,
 * imported from `transport-lab/client/node-platform` (its own entry: `transport-lab/client` stays
 * on ws and eventsource alone).
 *
 * The default Node platform (platform.node.ts) already speaks https/wss with the system's CAs; this
 * one adds what a deployment needs beyond that: a CA to trust (a private or throwaway certificate),
 * `rejectUnauthorized`, and HTTP/2 for the HTTP transports. HTTP/2 comes from undici (the fetch Node
 * itself ships, here as the package so its Agent can be configured): `allowH2` offers h2 by ALPN and
 * multiplexes every poll, POST and SSE stream to an origin on one TLS connection, as a browser does.
 * node:http2 would need a fetch of our own on top (status, streaming bodies, decompression, abort);
 * undici has them. WebSocket stays on `ws` over the HTTP/1.1 upgrade (RFC 8441 WebSocket over
 * HTTP/2 is not offered by ws). Call `close()` (after the clients) to release the pooled connections.
 */
import { EventSource } from 'eventsource';
import { Agent, fetch as undiciFetch } from 'undici';
import WebSocket, { type ClientOptions as WsOptions } from 'ws';
import type { Platform } from './transport.js';

export interface NodePlatformOptions {
  /** Certificate authorities to trust instead of the system's (PEM). */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** false accepts any certificate: tests only (default true). */
  rejectUnauthorized?: boolean;
  /** HTTP version for polls, POSTs and SSE over https: '2' offers h2 (ALPN), '1.1' (default) does not. */
  http?: '1.1' | '2';
  /** Most connections per origin for the HTTP transports (default: unlimited, like undici). */
  connections?: number;
}

export interface NodePlatform extends Platform {
  /** Closes the connection pool (keep-alive connections and HTTP/2 sessions), aborting what is in flight. */
  close(): Promise<void>;
}

export function nodePlatform(options: NodePlatformOptions = {}): NodePlatform {
  const tls = {
    ...(options.ca !== undefined ? { ca: options.ca as string | Buffer | Array<string | Buffer> } : {}),
    ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
  };
  const dispatcher = new Agent({
    allowH2: options.http === '2',
    ...(options.connections ? { connections: options.connections } : {}),
    connect: tls,
  });
  class SecureWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[], init?: WsOptions) {
      super(url, protocols, { ...init, ...tls });
    }
  }
  const fetch = ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof globalThis.fetch;
  return {
    WebSocket: SecureWebSocket as unknown as Platform['WebSocket'],
    EventSource: EventSource as unknown as Platform['EventSource'],
    fetch,
    headers: () => true,
    close: () => dispatcher.destroy(),
  };
}
