/**
 * Request routing under the base path, with named rejects. For every registered transport `{name}`:
 *
 *   GET  {base}/{name}            the transport's `get` (open, resume, probe, or continue a poll)
 *   GET  {base}/{name} (Upgrade)  the transport's `upgrade`
 *   POST {base}/{name}            upstream batch, for transports with `upstream: 'post'`; answers `a<ack>`
 *   OPTIONS                       CORS preflight
 *
 * Every request is checked in the same order: transport name, origin, method, query (and for an
 * upgrade its WebSocket headers), then session/token, authentication and capacity. Refusals answer
 * with their code and a JSON body, CORS headers only for allowed origins; anything unexpected is our
 * bug: 500 INTERNAL_ERROR, logged with its cause.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  assertPayloadWithin,
  decode,
  decodeBatch,
  ENVELOPE_ALLOWANCE,
  type ErrorCode,
  isTransportName,
  type Log,
  TRANSPORT_CAPABILITIES,
  type TransportName,
  TransportLabError,
} from '../protocol/index.js';
import type { RelayAnswer } from './backplane.js';
import {
  errorBody,
  omitKeepAliveHeaders,
  parseSessionQuery,
  readBody,
  rejectUpgrade,
  sendError,
  type SessionQuery,
} from './http.js';
import type { OriginCheck } from './origin.js';
import type { Session } from './session.js';
import type { TransportEndpoint } from './transport.js';

export interface RouterContext {
  basePath: string;
  origins: OriginCheck;
  maxMessageBytes: number;
  maxBatchBytes: number;
  endpoints: { readonly [name in TransportName]: TransportEndpoint };
  /**
   * Finds the session an upstream request names: unknown → UNKNOWN_SESSION, wrong token → BAD_TOKEN;
   * null on a cluster when another node may hold it (the request is then relayed there).
   */
  findSession(query: SessionQuery): Session | null;
  /** Cluster: the answer of the node holding the session to a POST received here. */
  relayPost(query: SessionQuery, body: Buffer): Promise<RelayAnswer>;
  log: Log;
}

/** A plain origin-form path: nothing a URL parser would rewrite (dot segments, escapes, backslashes). */
const PLAIN_PATH = /^\/[\w/-]*$/;

/**
 * The transport a path names, and the raw query; null when the path is not under the base path (or
 * does not parse). The usual request target (`/rt/sse?sid=…`) is split without a URL parser; anything
 * else (an absolute-form target, dot segments, escapes) goes through one, with the same result.
 */
function routeOf(ctx: RouterContext, req: IncomingMessage): { name: TransportName | null; query: string } | null {
  const target = req.url ?? '/';
  const mark = target.indexOf('?');
  let path = mark < 0 ? target : target.slice(0, mark);
  let query = mark < 0 ? '' : target.slice(mark + 1);
  if (!PLAIN_PATH.test(path)) {
    try {
      const url = new URL(target, 'http://localhost');
      path = url.pathname;
      query = url.search.slice(1);
    } catch {
      return null; // an absolute-form target that is not a URL: not ours to answer
    }
  }
  const prefix = ctx.basePath.endsWith('/') ? ctx.basePath : `${ctx.basePath}/`;
  if (!path.startsWith(prefix)) return null;
  const name = path.slice(prefix.length);
  return { name: isTransportName(name) ? name : null, query };
}

/** Handles a request under the base path; returns false when the path is not ours. */
export function handleRequest(ctx: RouterContext, req: IncomingMessage, res: ServerResponse): boolean {
  const route = routeOf(ctx, req);
  if (route === null) return false;
  const refuse = (error: unknown) => sendError(res, refusal(ctx, req, error), ctx.origins.corsHeaders(req));
  try {
    if (route.name === null) throw new TransportLabError('UNKNOWN_TRANSPORT');
    if (!ctx.origins.allows(req)) throw new TransportLabError('FORBIDDEN_ORIGIN');
    if (req.method === 'OPTIONS') return (preflight(ctx, req, res), true);
    const endpoint = ctx.endpoints[route.name];
    if (req.method === 'POST' && TRANSPORT_CAPABILITIES[route.name].upstream === 'post') {
      upstream(ctx, req, res, parseSessionQuery(route.query, req)).catch(refuse);
    } else if (req.method === 'GET' && endpoint.get) {
      const answered = endpoint.get(req, res, parseSessionQuery(route.query, req));
      if (answered) answered.catch(refuse);
    } else if (req.method === 'GET' && endpoint.upgrade) {
      throw new TransportLabError('BAD_REQUEST', `${route.name} endpoint: send an Upgrade request`);
    } else {
      throw new TransportLabError('METHOD_NOT_ALLOWED');
    }
  } catch (error) {
    refuse(error);
  }
  return true;
}

/** Handles an upgrade under the base path; returns false when the path is not ours. */
export function handleUpgrade(ctx: RouterContext, req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
  const route = routeOf(ctx, req);
  if (route === null) return false;
  try {
    const endpoint = route.name === null ? undefined : ctx.endpoints[route.name];
    if (!endpoint?.upgrade) throw new TransportLabError('UNKNOWN_TRANSPORT', 'No transport upgrades on this path');
    if (!ctx.origins.allows(req)) throw new TransportLabError('FORBIDDEN_ORIGIN');
    checkWebSocketHandshake(req);
    endpoint.upgrade(req, socket, head, parseSessionQuery(route.query, req));
  } catch (error) {
    const e = refusal(ctx, req, error);
    rejectUpgrade(
      socket,
      e,
      e.code === 'BAD_REQUEST' && /Version/.test(e.message) ? { 'Sec-WebSocket-Version': '13, 8' } : {},
    );
  }
  return true;
}

const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;

/** What `ws` would refuse with a text/plain answer of its own, refused here first with our JSON. */
function checkWebSocketHandshake(req: IncomingMessage): void {
  if (req.method !== 'GET') throw new TransportLabError('METHOD_NOT_ALLOWED', 'A WebSocket handshake is a GET');
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
    throw new TransportLabError('BAD_REQUEST', 'Upgrade header must be "websocket"');
  }
  if (!WEBSOCKET_KEY.test(req.headers['sec-websocket-key'] ?? '')) {
    throw new TransportLabError('BAD_REQUEST', 'Missing or invalid Sec-WebSocket-Key header');
  }
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') {
    throw new TransportLabError('BAD_REQUEST', 'Missing or unsupported Sec-WebSocket-Version header (13 or 8)');
  }
}

/** The error a request is answered with, logged: the client's fault at warn, our bug at error. */
export function refusal(ctx: { log: Log }, req: IncomingMessage, error: unknown): TransportLabError {
  const e = TransportLabError.from(error);
  const internal = e.code === 'INTERNAL_ERROR';
  const path = (req.url ?? '').split('?')[0];
  ctx.log(internal ? 'error' : 'warn', `refused ${req.method} ${path}: ${e.status} ${e.code}`, {
    method: req.method,
    path,
    status: e.status,
    code: e.code,
    message: e.message,
    ...(internal ? { cause: e.cause } : {}),
  });
  return e;
}

async function upstream(
  ctx: RouterContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: SessionQuery,
): Promise<void> {
  const session = ctx.findSession(query);
  let ack: string;
  if (session === null) {
    const answer = await ctx.relayPost(query, await readBody(req, ctx.maxBatchBytes));
    if (answer.status !== 200) {
      const { code, message } = JSON.parse(String(answer.body)) as { code: ErrorCode; message: string };
      throw new TransportLabError(code, message);
    }
    ack = String(answer.body);
  } else {
    const declared = Number(req.headers['content-length']);
    // The body counts against the session's maxBufferedBytes before it is read.
    const limit = declared >= 0 && declared <= ctx.maxBatchBytes ? declared : ctx.maxBatchBytes;
    ack = await applyUpstream(ctx, session, limit, () => readBody(req, ctx.maxBatchBytes));
  }
  // An answer to a POST is never cached: no Cache-Control (nor keep-alive headers) on each of them.
  const headers: Record<string, string | number> = { 'Content-Type': 'text/plain', 'Content-Length': ack.length };
  if (req.headers.origin !== undefined) Object.assign(headers, ctx.origins.corsHeaders(req));
  omitKeepAliveHeaders(res);
  res.writeHead(200, headers);
  res.end(ack);
}

/**
 * Applies an upstream batch to a session held here (the body of a POST received here, or relayed by
 * another node) and returns the answer, `a<ack>`: acknowledged once durable (cluster).
 */
export async function applyUpstream(
  ctx: Pick<RouterContext, 'maxMessageBytes'>,
  session: Session,
  reserve: number,
  read: () => Promise<Buffer>,
): Promise<string> {
  session.activeConnection?.touch(); // an upstream request is a sign of life for the downstream
  const release = session.reserveInbound(reserve);
  let envelopes;
  try {
    const body = await read();
    // Decode the whole batch before applying any of it: a malformed batch changes nothing.
    envelopes = decodeBatch(body, ctx.maxMessageBytes + ENVELOPE_ALLOWANCE).map((frame) => decode(frame));
  } finally {
    release();
  }
  for (const envelope of envelopes) assertPayloadWithin(envelope, ctx.maxMessageBytes); // all before any applies
  session.receiveBatch(envelopes);
  // On a cluster the answer acknowledges the batch's messages: only once they (and their effects) are durable.
  const settled = envelopes.some((e) => e.type === 'data') ? session.settled() : null;
  if (settled) await settled;
  return `a${session.takeAckForResponse()}`;
}

/** A relayed POST's answer for the node that received it: the ack, or the refusal as JSON. */
export async function relayedUpstream(
  ctx: Pick<RouterContext, 'maxMessageBytes' | 'log'>,
  find: () => Session,
  body: Buffer,
): Promise<RelayAnswer> {
  try {
    return { status: 200, body: await applyUpstream(ctx, find(), body.length, async () => body) };
  } catch (error) {
    const e = TransportLabError.from(error);
    if (e.code === 'INTERNAL_ERROR') ctx.log('error', `relayed POST failed: ${e.message}`, { cause: e.cause });
    return { status: e.status, body: errorBody(e.code, e.message) };
  }
}

function preflight(ctx: RouterContext, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(204, {
    ...ctx.origins.corsHeaders(req),
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, Authorization, X-Session-Token',
    'Access-Control-Max-Age': '600',
  });
  res.end();
}
