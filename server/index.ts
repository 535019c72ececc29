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
import { WebSocketServer, type PerMessageDeflateOptions } from 'ws';
import {
  CloseCodes,
  DEFAULTS,
  ENVELOPE_ALLOWANCE,
  ErrorCodes,
  TransportLabError,
  toPayload,
} from '../protocol/index.js';
import { errorBody, type OriginPolicy, type SessionQuery } from './http.js';
import { handleRequest, handleUpgrade, type RouterContext } from './router.js';
import { Session, type SessionOptions } from './session.js';

export type { OriginPolicy } from './http.js';
export type { TransportChange } from './session.js';
/** What the application holds for each client: a session that outlives reconnects. */
export type Connection = Session;

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
}

export interface MessageServer {
  on(event: 'connection', listener: (conn: Connection) => void): this;
  once(event: 'connection', listener: (conn: Connection) => void): this;
  off(event: 'connection', listener: (conn: Connection) => void): this;
  /** Sends to every session (or a room's). Encodes the payload once. Returns how many took it. */
  broadcast(data: unknown, options?: { room?: string; except?: Connection }): number;
  /** Attaches to an HTTP server (called for you when `server` is given). */
  attach(server: http.Server): void;
  /** Creates an HTTP server (around `app` if given) and listens; host defaults to 127.0.0.1. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
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
    ackEvery: options.ackEvery ?? DEFAULTS.ackEvery,
    ackDelayMs: options.ackDelayMs ?? DEFAULTS.ackDelayMs,
  };
  const pollTimeoutMs = options.pollTimeoutMs ?? Math.min(DEFAULTS.pollTimeoutMs, sessionOptions.heartbeatMs);
  if (pollTimeoutMs >= sessionOptions.heartbeatMs + sessionOptions.heartbeatTimeoutMs) {
    throw new RangeError(
      'pollTimeoutMs must be below heartbeatMs + heartbeatTimeoutMs, or idle polls look like dead clients',
    );
  }

  const events = new EventEmitter();
  const sessions = new Map<string, Session>();
  const rooms = new Map<string, Set<Session>>();
  /** Sessions the application closed: a client coming back is told so instead of getting a new one. */
  const closedSessions = new Map<string, { token: string; code: number; reason: string; until: number }>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: sessionOptions.maxMessageBytes + ENVELOPE_ALLOWANCE,
    perMessageDeflate: options.perMessageDeflate ?? false,
  });
  let httpServer: http.Server | null = null;
  let ownsServer = false;

  const hooks = {
    ended(session: Session) {
      sessions.delete(session.id);
    },
    joined(session: Session, room: string) {
      let members = rooms.get(room);
      if (!members) rooms.set(room, (members = new Set()));
      members.add(session);
    },
    left(session: Session, room: string) {
      const members = rooms.get(room);
      members?.delete(session);
      if (members?.size === 0) rooms.delete(room);
    },
  };

  function newSession(): Session {
    const session = new Session(sessionOptions, hooks);
    sessions.set(session.id, session);
    session.once('close', ({ code, reason }: { code: number; reason: string }) => {
      if (code === CloseCodes.NORMAL || code === CloseCodes.POLICY) {
        closedSessions.set(session.id, {
          token: session.token,
          code,
          reason,
          until: Date.now() + sessionOptions.graceMs,
        });
      }
    });
    return session;
  }

  function tokenMatches(expected: string, given: string | null): boolean {
    if (given === null || given.length !== expected.length) return false;
    return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
  }

  const ctx: RouterContext = {
    basePath: options.basePath ?? DEFAULTS.basePath,
    origins: options.origins ?? 'same-origin',
    pollTimeoutMs,
    maxMessageBytes: sessionOptions.maxMessageBytes,
    maxBatchBytes: sessionOptions.maxBatchBytes,
    wss,
    announce(session: Session) {
      events.emit('connection', session);
    },
    verifyToken(query: SessionQuery) {
      const session = query.sid === null ? undefined : sessions.get(query.sid);
      if (session && !tokenMatches(session.token, query.token)) throw new TransportLabError('BAD_TOKEN');
    },
    openSession(query: SessionQuery) {
      if (query.sid === null) return { session: newSession(), resumed: false };
      const session = sessions.get(query.sid);
      if (session) {
        ctx.verifyToken(query);
        return { session, resumed: true };
      }
      const closed = closedSessions.get(query.sid);
      if (closed && tokenMatches(closed.token, query.token)) return { closed };
      return { session: newSession(), resumed: false };
    },
    findSession(query: SessionQuery) {
      const session = query.sid === null ? undefined : sessions.get(query.sid);
      if (!session) throw new TransportLabError('UNKNOWN_SESSION');
      if (!tokenMatches(session.token, query.token)) throw new TransportLabError('BAD_TOKEN');
      return session;
    },
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

  const api = {
    on(event: 'connection', listener: (conn: Connection) => void) {
      events.on(event, listener);
      return api;
    },
    once(event: 'connection', listener: (conn: Connection) => void) {
      events.once(event, listener);
      return api;
    },
    off(event: 'connection', listener: (conn: Connection) => void) {
      events.off(event, listener);
      return api;
    },
    broadcast(data: unknown, opts: { room?: string; except?: Connection } = {}) {
      const payload = toPayload(data, sessionOptions.maxMessageBytes);
      const targets =
        opts.room === undefined ? sessions.values() : (rooms.get(opts.room) ?? new Set<Session>()).values();
      let count = 0;
      for (const session of targets) if (session !== opts.except && session.sendPayload(payload)) count++;
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
      return sessions as ReadonlyMap<string, Connection>;
    },
    get httpServer() {
      return httpServer;
    },
    async close() {
      clearInterval(ticker);
      for (const session of [...sessions.values()]) session.close(CloseCodes.GOING_AWAY, 'SERVER_CLOSING');
      wss.close();
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
