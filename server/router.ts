/**
 * Request routing under the base path, with named rejects:
 *
 *   GET  {base}/websocket  (Upgrade)  open or resume a session over WebSocket
 *   GET  {base}/sse                   open or resume over Server-Sent Events
 *   GET  {base}/long-polling          open (open=1) or continue a long-poll
 *   POST {base}/sse | /long-polling   upstream batch; answers `a<ack>`
 *   OPTIONS                           CORS preflight
 *
 * Every request is checked in the same order: transport name, origin, method, query, session/token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import {
  assertPayloadWithin,
  decode,
  decodeBatch,
  ENVELOPE_ALLOWANCE,
  isTransportName,
  type TransportName,
  TransportLabError,
} from '../protocol/index.js';
import {
  corsHeaders,
  isOriginAllowed,
  type OriginPolicy,
  parseSessionQuery,
  readBody,
  rejectUpgrade,
  sendError,
  type SessionQuery,
} from './http.js';
import type { Session } from './session.js';
import type { ServerConnection } from './transport.js';
import { LongPollingConnection } from './transports/long-polling.js';
import { SseConnection } from './transports/sse.js';
import { WebSocketConnection } from './transports/websocket.js';

export interface RouterContext {
  basePath: string;
  origins: OriginPolicy;
  pollTimeoutMs: number;
  maxMessageBytes: number;
  maxBatchBytes: number;
  wss: WebSocketServer;
  /** Tells the application about a session once its first connection is attached. */
  announce(session: Session): void;
  /** Finds the session a request names, or makes a new one (unknown sid: the client will learn it was lost). */
  openSession(
    query: SessionQuery,
  ): { session: Session; resumed: boolean } | { closed: { code: number; reason: string } };
  /** Throws BAD_TOKEN when the request names a known session with the wrong token; creates nothing. */
  verifyToken(query: SessionQuery): void;
  /** Finds the session an upstream request names: unknown → UNKNOWN_SESSION, wrong token → BAD_TOKEN. */
  findSession(query: SessionQuery): Session;
}

type Opened = ReturnType<RouterContext['openSession']>;

/** Returns the transport a path names, null when the path is not under the base path. */
function routeOf(ctx: RouterContext, url: URL): TransportName | null | 'unknown' {
  const prefix = ctx.basePath.endsWith('/') ? ctx.basePath : `${ctx.basePath}/`;
  if (!url.pathname.startsWith(prefix)) return null;
  const name = url.pathname.slice(prefix.length);
  return isTransportName(name) ? name : 'unknown';
}

function requestUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? '/', 'http://localhost');
}

/** Handles a request under the base path; returns false when the path is not ours. */
export function handleRequest(ctx: RouterContext, req: IncomingMessage, res: ServerResponse): boolean {
  const url = requestUrl(req);
  const route = routeOf(ctx, url);
  if (route === null) return false;
  try {
    if (route === 'unknown') throw new TransportLabError('UNKNOWN_TRANSPORT');
    if (!isOriginAllowed(ctx.origins, req)) throw new TransportLabError('FORBIDDEN_ORIGIN');
    if (req.method === 'OPTIONS') return (preflight(req, res), true);
    if (route === 'websocket') {
      if (req.method !== 'GET') throw new TransportLabError('METHOD_NOT_ALLOWED');
      throw new TransportLabError('BAD_REQUEST', 'WebSocket endpoint: send an Upgrade request');
    }
    const query = parseSessionQuery(url);
    if (req.method === 'POST') {
      upstream(ctx, req, res, query).catch((e) => sendError(req, res, asError(e)));
    } else if (req.method === 'GET') {
      if (route === 'sse') openSse(ctx, req, res, query);
      else poll(ctx, req, res, query);
    } else {
      throw new TransportLabError('METHOD_NOT_ALLOWED');
    }
  } catch (error) {
    sendError(req, res, asError(error));
  }
  return true;
}

/** Handles an upgrade under the base path; returns false when the path is not ours. */
export function handleUpgrade(ctx: RouterContext, req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
  const url = requestUrl(req);
  const route = routeOf(ctx, url);
  if (route === null) return false;
  try {
    if (route !== 'websocket') throw new TransportLabError('UNKNOWN_TRANSPORT', 'Only the websocket path upgrades');
    if (!isOriginAllowed(ctx.origins, req)) throw new TransportLabError('FORBIDDEN_ORIGIN');
    const query = parseSessionQuery(url);
    ctx.verifyToken(query); // a wrong token is refused before the handshake (403)…
    ctx.wss.handleUpgrade(req, socket, head, (ws) => {
      // …but a session is opened only once `ws` has completed the handshake: one it refuses
      // (bad key or version) leaves nothing behind.
      const connection = new WebSocketConnection(ws);
      try {
        attachOrClose(ctx, ctx.openSession(query), connection, query);
      } catch (error) {
        const e = asError(error);
        connection.close(e.closeCode, e.code);
      }
    });
  } catch (error) {
    rejectUpgrade(socket, asError(error));
  }
  return true;
}

function attachOrClose(ctx: RouterContext, opened: Opened, connection: ServerConnection, query: SessionQuery): void {
  if ('closed' in opened) return connection.close(opened.closed.code, opened.closed.reason);
  if (opened.session.isClosed) return connection.close(1001, 'SESSION_EXPIRED');
  opened.session.attach(connection, { probe: query.probe, resumed: opened.resumed, clientAck: query.ack });
  if (!opened.resumed) ctx.announce(opened.session);
}

function openSse(ctx: RouterContext, req: IncomingMessage, res: ServerResponse, query: SessionQuery): void {
  const opened = ctx.openSession(query);
  attachOrClose(ctx, opened, new SseConnection(req, res), query);
}

function poll(ctx: RouterContext, req: IncomingMessage, res: ServerResponse, query: SessionQuery): void {
  if (!query.open) return continuePoll(ctx, req, res, query);
  const connection = new LongPollingConnection(ctx.pollTimeoutMs);
  connection.poll(req, res);
  attachOrClose(ctx, ctx.openSession(query), connection, query);
}

/**
 * A poll without `open=1` continues a session and never opens one: an unknown session is a 404
 * UNKNOWN_SESSION (the client reconnects with `open=1` and learns whether its session was lost).
 */
function continuePoll(ctx: RouterContext, req: IncomingMessage, res: ServerResponse, query: SessionQuery): void {
  const session = ctx.findSession(query);
  const current = session.activeConnection;
  if (current instanceof LongPollingConnection && !current.missedAnswer(query.ack)) {
    session.receive({ type: 'ack', ack: query.ack }, null);
    return current.poll(req, res);
  }
  if (session.transport !== 'long-polling') throw new TransportLabError('WRONG_TRANSPORT');
  // The long-poll connection, or its last answer, was lost, yet the client never saw its poll fail
  // (a browser resent it on a new connection by itself): continue the session on this poll, which
  // gets everything past its ack from the session's outbox. See docs/protocol.md.
  const connection = new LongPollingConnection(ctx.pollTimeoutMs);
  connection.poll(req, res);
  session.continuePolling(connection, query.ack);
}

async function upstream(
  ctx: RouterContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: SessionQuery,
): Promise<void> {
  const session = ctx.findSession(query);
  session.activeConnection?.touch(); // an upstream request is a sign of life for SSE and long-polling
  const body = await readBody(req, ctx.maxBatchBytes);
  // Decode the whole batch before applying any of it: a malformed batch changes nothing.
  const envelopes = decodeBatch(body, ctx.maxMessageBytes + ENVELOPE_ALLOWANCE).map((frame) => decode(frame));
  for (const envelope of envelopes) assertPayloadWithin(envelope, ctx.maxMessageBytes);
  for (const envelope of envelopes) session.receive(envelope, null);
  const ack = `a${session.takeAckForResponse()}`;
  res.writeHead(200, {
    ...corsHeaders(req),
    'Content-Type': 'text/plain',
    'Content-Length': ack.length,
    'Cache-Control': 'no-store',
  });
  res.end(ack);
}

function preflight(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(204, {
    ...corsHeaders(req),
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type',
    'Access-Control-Max-Age': '600',
  });
  res.end();
}

function asError(error: unknown): TransportLabError {
  return error instanceof TransportLabError
    ? error
    : new TransportLabError('BAD_REQUEST', String((error as Error)?.message ?? error));
}
