/** Test helpers: a real server on 127.0.0.1:0 whose TCP connections a test can cut. */
import type { Socket } from 'node:net';
import { connect, type Client, type ClientOptions } from '../../client/index.js';
import {
  createMessageServer,
  type Connection,
  type MessageServer,
  type MessageServerOptions,
} from '../../server/index.js';

export interface TestServer {
  rt: MessageServer;
  url: string;
  port: number;
  /** Destroys every TCP connection the server holds (an abrupt network cut, no close handshake). */
  cutAll(): number;
  /** Resolves with the next session the server announces. */
  nextConnection(): Promise<Connection>;
  close(): Promise<void>;
}

export async function startServer(options: MessageServerOptions = {}): Promise<TestServer> {
  const rt = createMessageServer(options);
  const { port } = await rt.listen(0, '127.0.0.1');
  const sockets = new Set<Socket>();
  rt.httpServer!.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    rt,
    port,
    url: `http://127.0.0.1:${port}/rt`,
    cutAll() {
      const n = sockets.size;
      for (const socket of sockets) socket.destroy();
      return n;
    },
    nextConnection: () => new Promise((resolve) => rt.once('connection', resolve)),
    close: () => rt.close(),
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
