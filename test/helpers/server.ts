/**
 * Test helpers: a real server on 127.0.0.1:0 whose TCP connections a test can cut, deployed as a
 * `Deployment` says: plain HTTP/1.1, HTTPS, or HTTP/2 with TLS (HTTP/1.1 beside it for WebSocket),
 * with or without compression. The client options a test needs for it come along (`client`).
 */
import type { Socket } from 'node:net';
import { connect, type Client, type ClientOptions } from '../../client/index.js';
import { nodePlatform, type NodePlatform } from '../../client/platform.secure.node.js';
import { type Certificate, createCertificate } from '../../scenarios/network/certificate.js';
import {
  createMessageServer,
  type Connection,
  type MessageServer,
  type MessageServerOptions,
} from '../../server/index.js';

export interface Deployment {
  tls: boolean;
  http: '1.1' | '2';
  compression: boolean;
}

export const PLAIN: Deployment = { tls: false, http: '1.1', compression: false };

export const describeDeployment = (d: Deployment): string =>
  `${d.tls ? `https, HTTP/${d.http}` : 'http'}${d.compression ? ', compression' : ''}`;

let certificate: Promise<Certificate> | null = null;
/** One throwaway certificate per test process. */
export const testCertificate = (): Promise<Certificate> => (certificate ??= createCertificate());

export interface TestServer {
  rt: MessageServer;
  url: string;
  port: number;
  /** What clients of this deployment need (the CA, HTTP/2): spread into their options. */
  client: ClientOptions;
  /** Destroys every TCP connection the server holds (an abrupt network cut, no close handshake). */
  cutAll(): number;
  /** Resolves with the next session the server announces. */
  nextConnection(): Promise<Connection>;
  close(): Promise<void>;
}

export async function startServer(
  options: MessageServerOptions = {},
  deployment: Deployment = PLAIN,
): Promise<TestServer> {
  const cert = deployment.tls ? await testCertificate() : null;
  const rt = createMessageServer({
    ...(cert ? { tls: { key: cert.key, cert: cert.cert }, http2: deployment.http === '2' } : {}),
    ...(deployment.compression ? { compression: true } : {}),
    ...options,
  });
  const { port } = await rt.listen(0, '127.0.0.1');
  const platform: NodePlatform | null = cert ? nodePlatform({ ca: cert.cert, http: deployment.http }) : null;
  const sockets = new Set<Socket>();
  rt.httpServer!.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    rt,
    port,
    url: `${cert ? 'https' : 'http'}://127.0.0.1:${port}/rt`,
    client: platform ? { platform } : {},
    cutAll() {
      const n = sockets.size;
      for (const socket of sockets) socket.destroy();
      return n;
    },
    nextConnection: () => new Promise((resolve) => rt.once('connection', resolve)),
    close: async () => {
      await rt.close();
      await platform?.close();
    },
  };
}

/** Connects and resolves once the client is open. */
export async function openClient(url: string, options: ClientOptions = {}): Promise<Client> {
  const client = connect(url, options);
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('close', ({ reason }) => reject(new Error(`closed before open: ${reason}`)));
  });
  return client;
}

export function waitFor<T>(
  subscribe: (resolve: (value: T) => void) => void,
  timeoutMs = 10_000,
  what = 'event',
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    subscribe((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** Collects messages until `count` arrived. */
export function collect<T = unknown>(
  on: (listener: (m: T) => void) => void,
  count: number,
  timeoutMs = 15_000,
): Promise<T[]> {
  const got: T[] = [];
  return waitFor<T[]>(
    (resolve) => on((m) => (got.push(m), got.length === count && resolve(got))),
    timeoutMs,
    `${count} messages (got ${got.length})`,
  );
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
