/**
 * createMessageServer(): one server API over WebSocket, SSE (+POST) and long-polling (+POST).
 *
 *   const rt = createMessageServer({ server });           // or { app } (Express), or none + listen()
 *   rt.on('connection', (conn) => {
 *     conn.on('message', (data) => conn.send(data));    // string | Buffer | parsed JSON value
 *     conn.join('lobby');
 *   });
 *   rt.broadcast({ hello: 'all' }, { room: 'lobby' });
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
import type { Connection, TypedEvents } from './connection.js';
import { rawErrorResponse } from './http.js';
import { OriginCheck, type OriginPolicy } from './origin.js';
import type { RateLimit } from './rate-limit.js';
import { SessionRegistry } from './registry.js';
import { handleRequest, handleUpgrade, refusal, type RouterContext } from './router.js';
import type { SessionOptions } from './session.js';
import type { TransportEndpoint, TransportHost } from './transport.js';
import { SERVER_TRANSPORTS } from './transports/index.js';

export type { OriginPolicy } from './origin.js';
export type { Authenticate, HandshakeRequest } from './auth.js';
export type { RateLimit } from './rate-limit.js';
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

export interface MessageServerOptions extends Partial<SessionOptions> {
  /** Attach to this HTTP server (requests under basePath and WebSocket upgrades). */
  server?: http.Server;
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
  /** WebSocket permessage-deflate (off by default: it costs CPU and memory per connection). */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Told about sessions, connections and refused requests (off by default; `console` works). */
  logger?: Logger;
}

export interface MessageServerEvents {
  /** A new session, once its first connection is attached. */
  connection: Connection;
}

export interface MessageServer extends TypedEvents<MessageServerEvents> {
  /** Sends to every session (or a room's). Encodes the payload once. Returns how many took it. */
  broadcast(data: unknown, options?: { room?: string; except?: Connection }): number;
  /** Attaches to an HTTP server (called for you when `server` is given). */
  attach(server: http.Server): void;
  /** Creates an HTTP server (around `app` if given) and listens; host defaults to 127.0.0.1. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Live sessions by id (read-only). */
  readonly sessions: ReadonlyMap<string, Connection>;
  readonly httpServer: http.Server | null;
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
  let httpServer: http.Server | null = null;
  let ownsServer = false;

  const registry = new SessionRegistry({
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
      perMessageDeflate: options.perMessageDeflate ?? false,
    },
    log,
    refusal: (req, error) => refusal({ log }, req, error),
    corsHeaders: (req) => origins.corsHeaders(req),
    admit: (req, query, transport) => registry.admit(req, query, transport),
    open: (admission, create) => registry.open(admission, create),
    find: (query) => registry.find(query),
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
    findSession: (query) => registry.find(query),
    log,
  };

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

  function attach(server: http.Server): void {
    httpServer = server;
    server.on('upgrade', (req, socket, head) => {
      if (handleUpgrade(ctx, req, socket, head) || server.listenerCount('upgrade') > 1) return;
      socket.end(rawErrorResponse(new TransportLabError('NOT_FOUND')));
    });
    // HTTP parse errors: a JSON 400 (431 for an oversize head) where the socket can still be answered,
    // unless the application handles them itself.
    if (server.listenerCount('clientError') === 0) server.on('clientError', answerClientError);
    if (options.app) return; // the app's middleware handles requests
    const others = server.listeners('request') as Array<(req: http.IncomingMessage, res: http.ServerResponse) => void>;
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
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
      const payload = toPayload(data, sessionOptions.maxMessageBytes);
      let count = 0;
      for (const session of [...registry.members(opts.room)])
        if (session.connection !== opts.except && session.sendPayload(payload)) count++;
      return count;
    },
    attach,
    async listen(port = 0, host = '127.0.0.1') {
      if (!httpServer) {
        const server = http.createServer(
          { maxHeaderSize: options.maxHeaderBytes ?? DEFAULTS.maxHeaderBytes },
          options.app,
        );
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
      for (const session of [...registry.sessions.values()]) session.close(CloseCodes.GOING_AWAY, 'SERVER_CLOSING');
      for (const endpoint of Object.values(endpoints)) endpoint.close?.();
      if (ownsServer && httpServer) {
        const server = httpServer;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      }
    },
  };
  return api;
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
