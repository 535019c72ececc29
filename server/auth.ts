/**
 * Authentication at the handshake: the `authenticate` hook sees every request that opens a connection
 * (a new session, a resume, an upgrade probe) on every transport, before anything is made for it.
 *
 *   createMessageServer({
 *     authenticate: async ({ auth, cookies }) => (await users.byToken(auth ?? cookies.sid)) ?? null,
 *   });
 *   rt.on('connection', (conn) => conn.user);   // what the hook returned
 *
 * It returns the user (any value but null, undefined or false) to admit the request, or null /
 * undefined / false to refuse it with 401 UNAUTHORIZED; it may throw
 * `new TransportLabError('FORBIDDEN' | 'UNAUTHORIZED', message)` to choose the refusal and its message.
 * Anything else it throws is a bug: 500 INTERNAL_ERROR, logged with its cause. A resume must present
 * the same identity as the session's first request (`user.id` when the user has one, else the value
 * itself), or it is refused with 403 WRONG_USER and the session is untouched. Upstream POSTs and
 * continuing polls are not re-authenticated: the session's resume token (rotated on every resume)
 * binds them to the admitted connection.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { type TransportName, TransportLabError } from '../protocol/index.js';
import type { RequestInfo } from './connection.js';
import { clientAddress } from './origin.js';
import { TOKEN_HEADER } from './http.js';

export interface HandshakeRequest extends RequestInfo {
  transport: TransportName;
  /**
   * The client's credential: `Authorization: Bearer <auth>` (Node clients, and browsers' fetch), or
   * the `auth` query parameter (browsers' WebSocket and EventSource, which cannot set headers).
   */
  auth: string | null;
  cookies: Record<string, string>;
  /** Query parameters, without the resume token and `auth`. */
  query: Record<string, string>;
  /** The Node request itself, for anything else. */
  raw: IncomingMessage;
}

export type Authenticate = (request: HandshakeRequest) => unknown;

/** Query parameters the application never sees in `conn.request.url`. */
const SECRET_PARAMS = ['token', 'auth'];

/** A target that may carry a secret (or needs a URL parser to tell): anything but a plain path + query. */
const MAY_HOLD_SECRET = /^[^/]|%|[?&](?:token|auth)(?:[=&]|$)/;

/**
 * Headers a session does not keep: hop-by-hop ones (RFC 9110 §7.6.1), which describe one connection
 * and not the client, the WebSocket handshake's, and the resume token. The session outlives the
 * connection that opened it, and at 10,000 idle sessions these strings are 0.2 KB each.
 */
const CONNECTION_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  TOKEN_HEADER,
]);

/** What the application sees of a request: url without secrets, headers without connection-specific ones. */
export function requestInfo(req: IncomingMessage, trustProxy: boolean): RequestInfo {
  const target = req.url ?? '/';
  let url = target;
  if (MAY_HOLD_SECRET.test(target)) {
    const parsed = new URL(target, 'http://localhost');
    for (const name of SECRET_PARAMS) parsed.searchParams.delete(name);
    url = parsed.pathname + parsed.search;
  }
  const headers: IncomingHttpHeaders = {};
  for (const name in req.headers) if (!CONNECTION_HEADERS.has(name)) headers[name] = req.headers[name];
  return { url, headers, remoteAddress: clientAddress(req, trustProxy) };
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const pair of header?.split(';') ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    try {
      cookies[name] ??= decodeURIComponent(value);
    } catch {
      cookies[name] ??= value;
    }
  }
  return cookies;
}

function bearer(req: IncomingMessage, url: URL): string | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7);
  return url.searchParams.get('auth');
}

/** Runs the hook for an opening request; resolves with the user or rejects with the refusal. */
export async function authenticate(
  hook: Authenticate,
  req: IncomingMessage,
  request: RequestInfo,
  transport: TransportName,
): Promise<unknown> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const query = Object.fromEntries([...url.searchParams].filter(([name]) => !SECRET_PARAMS.includes(name)));
  const user = await hook({
    ...request,
    transport,
    auth: bearer(req, url),
    cookies: parseCookies(req.headers.cookie),
    query,
    raw: req,
  });
  if (user === null || user === undefined || user === false) throw new TransportLabError('UNAUTHORIZED');
  return user;
}

/** The identity a user value stands for: its `id` when it has one, else the value itself. */
export function identityOf(user: unknown): string {
  if (user === null || user === undefined) return '';
  if (typeof user !== 'object') return `${typeof user}:${String(user)}`;
  const id = (user as { id?: unknown }).id;
  if (id !== undefined) return `id:${String(id)}`;
  try {
    return `json:${JSON.stringify(user)}`;
  } catch {
    return `object:${String(user)}`;
  }
}
