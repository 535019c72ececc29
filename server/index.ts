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
import { timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PerMessageDeflateOptions } from 'ws';
import {
  CloseCodes,
  createLog,
  DEFAULTS,
  ErrorCodes,
  type Logger,
  TERMINAL_CLOSE_CODES,
  TRANSPORTS,
  type TransportName,
  TransportLabError,
  toPayload,
} from '../protocol/index.js';
import type { Connection, RequestInfo, TypedEvents } from './connection.js';
import { errorBody, type OriginPolicy, type SessionQuery } from './http.js';
import { handleRequest, handleUpgrade, type RouterContext } from './router.js';
import { Session, type SessionHost, type SessionOptions } from './session.js';
import type { TransportEndpoint, TransportHost } from './transport.js';
import { SERVER_TRANSPORTS } from './transports/index.js';

export type { OriginPolicy } from './http.js';
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
  /** Default 'same-origin'; see OriginPolicy. */
  origins?: OriginPolicy;
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

/** The application's view of the request that opened a session; the resume token is left out. */
function requestInfo(req: http.IncomingMessage): RequestInfo {
  const url = new URL(req.url ?? '/', 'http://localhost');
  url.searchParams.delete('token');
  return { url: url.pathname + url.search, headers: { ...req.headers }, remoteAddress: req.socket.remoteAddress };
}

export function createMessageServer(options: MessageServerOptions = {}): MessageServer {
  const sessionOptions: SessionOptions = {
    heartbeatMs: options.heartbeatMs ?? DEFAULTS.heartbeatMs,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? DEFAULTS.heartbeatTimeoutMs,
    graceMs: options.graceMs ?? DEFAULTS.graceMs,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULTS.maxMessageBytes,
    maxBatchBytes: options.maxBatchBytes ?? DEFAULTS.maxBatchBytes,
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
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
  const sessions = new Map<string, Session>();
  const connections = new Map<string, Connection>();
  const rooms = new Map<string, Set<Session>>();
  /** Sessions that ended with a terminal code: a client coming back is told so instead of getting a new one. */
  const closedSessions = new Map<string, { token: string; code: number; reason: string; until: number }>();
  let httpServer: http.Server | null = null;
  let ownsServer = false;

  const sessionHost: SessionHost = {
    ended(session, code, reason) {
      sessions.delete(session.id);
      connections.delete(session.id);
      if (TERMINAL_CLOSE_CODES.has(code)) {
        closedSessions.set(session.id, {
          token: session.token,
          code,
          reason,
          until: Date.now() + sessionOptions.graceMs,
        });
      }
    },
    joined(session, room) {
      let members = rooms.get(room);
      if (!members) rooms.set(room, (members = new Set()));
      members.add(session);
    },
    left(session, room) {
      const members = rooms.get(room);
      members?.delete(session);
      if (members?.size === 0) rooms.delete(room);
    },
    log,
  };

  function newSession(req: http.IncomingMessage): Session {
    const session = new Session(sessionOptions, sessionHost, requestInfo(req));
    sessions.set(session.id, session);
    connections.set(session.id, session.connection);
    return session;
  }

  function tokenMatches(expected: string, given: string | null): boolean {
    if (given === null || given.length !== expected.length) return false;
    return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
  }

  function findSession(query: SessionQuery): Session {
    const session = query.sid === null ? undefined : sessions.get(query.sid);
    if (!session) throw new TransportLabError('UNKNOWN_SESSION');
    if (!tokenMatches(session.token, query.token)) throw new TransportLabError('BAD_TOKEN');
    return session;
  }

  function verifyToken(query: SessionQuery): void {
    const session = query.sid === null ? undefined : sessions.get(query.sid);
    if (session && !tokenMatches(session.token, query.token)) throw new TransportLabError('BAD_TOKEN');
  }

  /**
   * The session a connecting request names, or a new one (an unknown sid: the hello tells the client
   * its session was lost). A session the application closed is reported as closed.
   */
  function openSession(
    req: http.IncomingMessage,
    query: SessionQuery,
  ): { session: Session; resumed: boolean } | { closed: { code: number; reason: string } } {
    if (query.sid === null) return { session: newSession(req), resumed: false };
    const session = sessions.get(query.sid);
    if (session) {
      verifyToken(query);
      return { session, resumed: true };
    }
    const closed = closedSessions.get(query.sid);
    if (closed && tokenMatches(closed.token, query.token)) return { closed };
    return { session: newSession(req), resumed: false };
  }

  const transportHost: TransportHost = {
    options: {
      pollTimeoutMs,
      maxMessageBytes: sessionOptions.maxMessageBytes,
      perMessageDeflate: options.perMessageDeflate ?? false,
    },
    log,
    open(req, query, create) {
      const opened = openSession(req, query);
      const connection = create();
      if ('closed' in opened) {
        log('debug', `session ${query.sid} was closed (${opened.closed.code}): told the returning client`, {
          sid: query.sid,
          code: opened.closed.code,
        });
        return connection.close(opened.closed.code, opened.closed.reason);
      }
      if (opened.session.isClosed) return connection.close(CloseCodes.GOING_AWAY, 'SESSION_EXPIRED');
      opened.session.attach(connection, { probe: query.probe, resumed: opened.resumed, clientAck: query.ack });
      if (!opened.resumed) events.emit('connection', opened.session.connection);
    },
    find: findSession,
    verifyToken,
  };
  const endpoints = Object.fromEntries(TRANSPORTS.map((name) => [name, SERVER_TRANSPORTS[name](transportHost)])) as {
    [name in TransportName]: TransportEndpoint;
  };

  const ctx: RouterContext = {
    basePath: options.basePath ?? DEFAULTS.basePath,
    origins: options.origins ?? 'same-origin',
    maxMessageBytes: sessionOptions.maxMessageBytes,
    maxBatchBytes: sessionOptions.maxBatchBytes,
    endpoints,
    findSession,
    log,
  };

  const tickMs = Math.max(
    10,
    Math.min(1000, sessionOptions.heartbeatMs / 4, sessionOptions.heartbeatTimeoutMs / 4, sessionOptions.graceMs / 4),
  );
  const ticker = setInterval(() => {
    const now = Date.now();
    for (const session of sessions.values()) session.tick(now);
    for (const [sid, closed] of closedSessions) if (closed.until < now) closedSessions.delete(sid);
  }, tickMs);
  ticker.unref();

  function attach(server: http.Server): void {
    httpServer = server;
    server.on('upgrade', (req, socket, head) => {
      if (!handleUpgrade(ctx, req, socket, head) && server.listenerCount('upgrade') === 1) socket.destroy();
    });
    if (options.app) return; // the app's middleware handles requests
    const others = server.listeners('request') as Array<(req: http.IncomingMessage, res: http.ServerResponse) => void>;
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      if (handleRequest(ctx, req, res)) return;
      if (others.length === 0) return void res.writeHead(404).end();
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
      const targets =
        opts.room === undefined ? sessions.values() : (rooms.get(opts.room) ?? new Set<Session>()).values();
      let count = 0;
      for (const session of targets) if (session.connection !== opts.except && session.sendPayload(payload)) count++;
      return count;
    },
    attach,
    async listen(port = 0, host = '127.0.0.1') {
      if (!httpServer) {
        const server = http.createServer(
          { maxHeaderSize: options.maxHeaderBytes ?? DEFAULTS.maxHeaderBytes },
          options.app,
        );
        server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
          if (error.code !== 'HPE_HEADER_OVERFLOW' || !socket.writable) return void socket.destroy();
          const body = errorBody('HEADERS_TOO_BIG');
          socket.end(
            `HTTP/1.1 ${ErrorCodes.HEADERS_TOO_BIG.status} Request Header Fields Too Large\r\nConnection: close\r\n` +
              `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
          );
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
      return connections as ReadonlyMap<string, Connection>;
    },
    get httpServer() {
      return httpServer;
    },
    async close() {
      clearInterval(ticker);
      for (const session of [...sessions.values()]) session.close(CloseCodes.GOING_AWAY, 'SERVER_CLOSING');
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
