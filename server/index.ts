/**
 * createMessageServer(): one server API over WebSocket, SSE (+POST) and long-polling (+POST).
 *
 *   const rt = createMessageServer({ server });           // or { app } (Express), or none + listen()
 *   // server: http.Server, https.Server, or http2.createSecureServer({ allowHTTP1: true }) (HTTP/2
 *   // streams for SSE, long-polling and POST; WebSocket over the HTTP/1.1 upgrade on the same port)
 *   rt.on('connection', (conn) => {
 *     conn.on('message', (data) => conn.send(data));    // string | Buffer | parsed JSON value
 *     conn.join('lobby');
 *   });
 *   rt.broadcast({ hello: 'all' }, { room: 'lobby' });
 *
 * A cluster: `createMessageServer({ backplane: redisBackplane({ url }) })` on every node
 * (`redisBackplane` from transport-lab/server/redis), any balancer in front, no sticky sessions
 * (docs/cluster.md).
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { PerMessageDeflateOptions } from 'ws';
import {
  CloseCodes,
  createLog,
  DEFAULTS,
  type Logger,
  TRANSPORTS,
  type TransportName,
  TransportLabError,
  toPayload,
} from '../protocol/index.js';
import type { Authenticate } from './auth.js';
import type { Backplane } from './backplane.js';
import { memoryBackplane } from './backplanes/memory.js';
import { type CompressionOptions, createCompression } from './compression.js';
import type { Connection, TypedEvents } from './connection.js';
import { rawErrorResponse } from './http.js';
import { OriginCheck, type OriginPolicy } from './origin.js';
import type { RateLimit } from './rate-limit.js';
import { SessionRegistry } from './registry.js';
import { handleRequest, handleUpgrade, refusal, relayedUpstream, type RouterContext } from './router.js';
import type { SessionOptions } from './session.js';
import type { TransportEndpoint, TransportHost } from './transport.js';
import { SERVER_TRANSPORTS } from './transports/index.js';
import { continuePoll } from './transports/long-polling.js';

export type { OriginPolicy } from './origin.js';
export type { Authenticate, HandshakeRequest } from './auth.js';
export type { RateLimit } from './rate-limit.js';
export type { Backplane } from './backplane.js';
export { memoryBackplane } from './backplanes/memory.js';
export type { CompressionOptions, ContentEncoding } from './compression.js';
export type { Connection, ConnectionEvents, RequestInfo, TransportChange, TypedEvents } from './connection.js';
export {
  CloseCodes,
  ErrorCodes,
  TransportLabError,
  TRANSPORTS,
  TRANSPORT_CAPABILITIES,
  type ErrorCode,
  type Logger,
  type TransportCapabilities,
  type TransportName,
} from '../protocol/index.js';

type Middleware = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

/**
 * What the message server attaches to: plain HTTP, HTTPS, or an HTTP/2 server with TLS that also
 * speaks HTTP/1.1 (`http2.createSecureServer({ allowHTTP1: true })`; without allowHTTP1 WebSocket
 * has no upgrade to ride on). HTTP/2 requests reach the same handlers through Node's compatibility
 * API; server/http.ts keeps HTTP/1-only headers off them.
 */
export type AttachableServer = http.Server | https.Server | http2.Http2SecureServer;

export interface MessageServerOptions extends Partial<SessionOptions> {
  /** Attach to this server (requests under basePath and WebSocket upgrades). */
  server?: AttachableServer;
  /** Mount into this Express app (`app.use`); upgrades need `server`, or use `listen()`. */
  app?: { use(handler: Middleware): unknown } & ((req: http.IncomingMessage, res: http.ServerResponse) => void);
  basePath?: string;
  /** Default 'same-origin'; see OriginPolicy. Not authentication: requests without Origin pass. */
  origins?: OriginPolicy;
  /** The origin(s) browsers load the application from ('https://app.example.com'): what 'same-origin' means. */
  publicOrigin?: string | readonly string[];
  /** Behind a reverse proxy: scheme, host and client address from X-Forwarded-Proto/-Host/-For (default false). */
  trustProxy?: boolean;
  /** Decides who may open or resume a session (server/auth.ts); its result is `conn.user`. */
  authenticate?: Authenticate;
  /** Live sessions at most (default 10,000): past it new sessions are refused 503 TOO_MANY_SESSIONS / 1013. */
  maxSessions?: number;
  /** New sessions per client address (default burst 100, 10/s): past it 429 RATE_LIMITED / 1013; false: off. */
  sessionRateLimit?: RateLimit | false;
  pollTimeoutMs?: number;
  /** Largest request head when listen() creates the server (431 HEADERS_TOO_BIG beyond). */
  maxHeaderBytes?: number;
  /** listen() creates an HTTPS server with these (key, cert, …) instead of plain HTTP. */
  tls?: SecureContextOptions & TlsOptions;
  /** With `tls`: listen() creates `http2.createSecureServer({ allowHTTP1: true })` (ALPN picks h2 or http/1.1). */
  http2?: boolean;
  /**
   * Compression on every transport (off by default: CPU per message, a compressor's memory per
   * connection): gzip/brotli for SSE streams and long-poll answers by Accept-Encoding, flushed per
   * event; permessage-deflate for WebSocket unless `perMessageDeflate` says otherwise.
   */
  compression?: boolean | CompressionOptions;
  /** WebSocket permessage-deflate (default: on when `compression` is; it costs CPU and memory per connection). */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Told about sessions, connections and refused requests (off by default; `console` works). */
  logger?: Logger;
  /**
   * What the sessions share with other servers: `redisBackplane({ url })` for a cluster (rooms and
   * broadcast across nodes, any node serves any request of any session, a node can die). Default:
   * in memory, one server.
   */
  backplane?: Backplane;
}

export interface MessageServerEvents {
  /**
   * A new session, once its first connection is attached. On a cluster also a session taken over
   * from another node (`conn.adopted`): attach your listeners again, do not greet it as new.
   */
  connection: Connection;
}

export interface MessageServer extends TypedEvents<MessageServerEvents> {
  /**
   * Sends to every session (or a room's). Encodes the payload once (once per node on a cluster).
   * Returns how many sessions on this server took it.
   */
  broadcast(data: unknown, options?: { room?: string; except?: Connection }): number;
  /** Resolves once the backplane is connected; rejects with its error (Redis unreachable). listen() waits for it. */
  ready(): Promise<void>;
  /** Cluster: this node's id (null on a single server). */
  readonly node: string | null;
  /** How many servers share this one's backplane (1 on a single server). */
  serverCount(): Promise<number>;
  /** Attaches to an HTTP(S) or HTTP/2 server (called for you when `server` is given). */
  attach(server: AttachableServer): void;
  /** Creates an HTTP server (around `app` if given) and listens; host defaults to 127.0.0.1. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Live sessions by id (read-only). */
  readonly sessions: ReadonlyMap<string, Connection>;
  readonly httpServer: AttachableServer | null;
  close(): Promise<void>;
}

export function createMessageServer(options: MessageServerOptions = {}): MessageServer {
  const sessionOptions: SessionOptions = {
    heartbeatMs: options.heartbeatMs ?? DEFAULTS.heartbeatMs,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? DEFAULTS.heartbeatTimeoutMs,
    graceMs: options.graceMs ?? DEFAULTS.graceMs,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULTS.maxMessageBytes,
    maxBatchBytes: options.maxBatchBytes ?? DEFAULTS.maxBatchBytes,
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
    maxJsonDepth: options.maxJsonDepth ?? DEFAULTS.maxJsonDepth,
    writeTimeoutMs: options.writeTimeoutMs ?? DEFAULTS.writeTimeoutMs,
    ackEvery: options.ackEvery ?? DEFAULTS.ackEvery,
    ackDelayMs: options.ackDelayMs ?? DEFAULTS.ackDelayMs,
  };
  const pollTimeoutMs = options.pollTimeoutMs ?? Math.min(DEFAULTS.pollTimeoutMs, sessionOptions.heartbeatMs);
  if (pollTimeoutMs >= sessionOptions.heartbeatMs + sessionOptions.heartbeatTimeoutMs) {
    throw new RangeError(
      'pollTimeoutMs must be below heartbeatMs + heartbeatTimeoutMs, or idle polls look like dead clients',
    );
  }

  const log = createLog(options.logger, 'transport-lab:server');
  const events = new EventEmitter();
  let httpServer: AttachableServer | null = null;
  let ownsServer = false;
  const ownSockets = new Set<Socket>();

  const backplane = options.backplane ?? memoryBackplane();
  const registry: SessionRegistry = new SessionRegistry({
    backplane,
    relayed: {
      relayedPost: (query, body) => relayedUpstream(ctx, () => registry.find(query), body),
      relayedPoll(query, sink) {
        try {
          continuePoll(registry.find(query), sink, query.ack, pollTimeoutMs);
        } catch (error) {
          sink.refuse(TransportLabError.from(error));
        }
      },
    },
    session: sessionOptions,
    maxSessions: options.maxSessions ?? DEFAULTS.maxSessions,
    sessionRateLimit: options.sessionRateLimit ?? DEFAULTS.sessionRateLimit,
    authenticate: options.authenticate,
    trustProxy: options.trustProxy ?? false,
    log,
    announce: (connection) => events.emit('connection', connection),
  });
  const origins = new OriginCheck({
    origins: options.origins ?? 'same-origin',
    publicOrigin: options.publicOrigin,
    trustProxy: options.trustProxy ?? false,
  });

  const transportHost: TransportHost = {
    options: {
      pollTimeoutMs,
      maxMessageBytes: sessionOptions.maxMessageBytes,
      perMessageDeflate: options.perMessageDeflate ?? Boolean(options.compression),
      compression: createCompression(options.compression),
    },
    log,
    refusal: (req, error) => refusal({ log }, req, error),
    corsHeaders: (req) => origins.corsHeaders(req),
    admit: (req, query, transport) => registry.admit(req, query, transport),
    open: (admission, create) => registry.open(admission, create),
    find: (query) => registry.find(query),
    findOrRelay: (query) => registry.findOrRelay(query),
    relayPoll: (query, sink) => backplane.relayPoll(query, sink),
  };
  const endpoints = Object.fromEntries(TRANSPORTS.map((name) => [name, SERVER_TRANSPORTS[name](transportHost)])) as {
    [name in TransportName]: TransportEndpoint;
  };

  const ctx: RouterContext = {
    basePath: options.basePath ?? DEFAULTS.basePath,
    origins,
    maxMessageBytes: sessionOptions.maxMessageBytes,
    maxBatchBytes: sessionOptions.maxBatchBytes,
    endpoints,
    findSession: (query) => registry.findOrRelay(query),
    relayPost: (query, body) => backplane.relayPost(query, body),
    log,
  };
  const started = backplane.start(registry);
  started.catch((error: Error) => log('error', `backplane: ${error.message}`, { cause: error }));

  // The session ticker also times out parked polls: no timer per poll.
  const tickMs = Math.max(
    10,
    Math.min(
      1000,
      sessionOptions.heartbeatMs / 4,
      sessionOptions.heartbeatTimeoutMs / 4,
      sessionOptions.graceMs / 4,
      pollTimeoutMs / 4,
    ),
  );
  const ticker = setInterval(() => registry.tick(Date.now()), tickMs);
  ticker.unref();

  function attach(server: AttachableServer): void {
    httpServer = server;
    server.on('upgrade', (req, socket, head) => {
      if (handleUpgrade(ctx, req, socket, head) || server.listenerCount('upgrade') > 1) return;
      socket.end(rawErrorResponse(new TransportLabError('NOT_FOUND')));
    });
    // HTTP parse errors: a JSON 400 (431 for an oversize head) where the socket can still be answered,
    // unless the application handles them itself.
    if (server.listenerCount('clientError') === 0) server.on('clientError', answerClientError);
    // The app's middleware handles the requests of the server it is mounted on; another server
    // attached beside it (say an HTTP/2 one, which Express cannot serve) gets its requests routed here.
    if (options.app && server.listeners('request').includes(options.app)) return;
    // HTTP/2 streams arrive as Http2ServerRequest/-Response: the same shape for what the router uses.
    const others = server.listeners('request') as Array<(req: http.IncomingMessage, res: http.ServerResponse) => void>;
    server.removeAllListeners('request');
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (handleRequest(ctx, req, res)) return;
      if (others.length === 0) return void notFound(res);
      for (const listener of others) listener.call(server, req, res);
    });
  }

  if (options.app) options.app.use((req, res, next) => void (handleRequest(ctx, req, res) || next()));
  if (options.server) attach(options.server);

  const api: MessageServer = {
    on(event, listener) {
      events.on(event, listener);
      return api;
    },
    once(event, listener) {
      events.once(event, listener);
      return api;
    },
    off(event, listener) {
      events.off(event, listener);
      return api;
    },
    broadcast(data, opts = {}) {
      return backplane.broadcast(toPayload(data, sessionOptions.maxMessageBytes), opts.room, opts.except?.id);
    },
    ready: () => started,
    node: backplane.node,
    serverCount: () => backplane.serverCount(),
    attach,
    async listen(port = 0, host = '127.0.0.1') {
      await started;
      if (!httpServer) {
        const server = createOwnServer(options);
        server.on('connection', (socket: Socket) => {
          ownSockets.add(socket);
          socket.once('close', () => ownSockets.delete(socket));
        });
        attach(server);
        ownsServer = true;
      }
      const server = httpServer!;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => (server.off('error', reject), resolve()));
      });
      return server.address() as AddressInfo;
    },
    get sessions() {
      return registry.connections as ReadonlyMap<string, Connection>;
    },
    get httpServer() {
      return httpServer;
    },
    async close() {
      clearInterval(ticker);
      // On a cluster the sessions live on: the other nodes take them over when their clients come back.
      for (const session of [...registry.sessions.values()])
        if (backplane.node === null) session.close(CloseCodes.GOING_AWAY, 'SERVER_CLOSING');
        else registry.release(session.id, 'shutdown');
      for (const endpoint of Object.values(endpoints)) endpoint.close?.();
      await backplane.close();
      if (ownsServer && httpServer) {
        const server = httpServer;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const socket of ownSockets) socket.destroy();
        });
      }
    },
  };
  return api;
}

/** The server listen() makes: HTTP, HTTPS, or HTTP/2 with TLS (and HTTP/1.1 for upgrades and old clients). */
function createOwnServer(options: MessageServerOptions): AttachableServer {
  const maxHeaderSize = options.maxHeaderBytes ?? DEFAULTS.maxHeaderBytes;
  const app = options.app as ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined;
  if (!options.tls) {
    if (options.http2) throw new RangeError('http2 needs tls: browsers speak HTTP/2 only over TLS');
    return http.createServer({ maxHeaderSize }, app);
  }
  if (!options.http2) return https.createServer({ ...options.tls, maxHeaderSize }, app);
  // Express cannot serve Node's HTTP/2 compatibility requests: its app keeps an HTTP/1.1 server.
  if (app) {
    throw new RangeError(
      'an Express app cannot serve HTTP/2 requests: listen with it over HTTPS, or attach() an HTTP/2 server beside it',
    );
  }
  return http2.createSecureServer({ ...options.tls, allowHTTP1: true, settings: { maxHeaderListSize: maxHeaderSize } });
}

/** A JSON 404 for a path nothing serves, on a server we own. */
function notFound(res: http.ServerResponse): void {
  const error = new TransportLabError('NOT_FOUND');
  const body = JSON.stringify({ code: error.code, message: error.message });
  res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

/** Node's HTTP parser refused a request: answer with our JSON where the socket still can be answered. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
  const code = error.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_BIG' : 'BAD_REQUEST';
  const message = code === 'BAD_REQUEST' ? `Malformed HTTP request (${error.code ?? 'parse error'})` : undefined;
  socket.end(rawErrorResponse(new TransportLabError(code, message)));
  socket.once('finish', () => socket.destroy());
}
