/**
 * HTTP plumbing shared by the transports: errors, bounded body reading, the session query, and what
 * differs between HTTP/1.1 and HTTP/2. On an `http2.createSecureServer({ allowHTTP1: true })` the
 * same handlers get Node's compatibility request/response for HTTP/2 streams: connection-specific
 * headers (`Connection`, `Keep-Alive`, `Transfer-Encoding`) are illegal there, a body ends with its
 * stream (END_STREAM) rather than with the connection, and ending one stream leaves the others alone.
 */
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { constants as http2 } from 'node:http2';
import type { Duplex } from 'node:stream';
import { ErrorCodes, type ErrorCode, TransportLabError } from '../protocol/index.js';

export function errorBody(code: ErrorCode, message?: string): string {
  return JSON.stringify({ code, message: message ?? ErrorCodes[code].message });
}

/** Whether this request arrived on an HTTP/2 stream. */
export const isHttp2 = (req: IncomingMessage): boolean => req.httpVersionMajor === 2;

/** Whether the client went away (HTTP/2's compatibility response has no `destroyed`: its stream has). */
export function responseGone(res: ServerResponse): boolean {
  return res.destroyed ?? (res as unknown as { stream?: { destroyed: boolean } }).stream?.destroyed ?? false;
}

/**
 * Ends what carries this response once it is written, leaving nothing to drain: on HTTP/1.1 the
 * connection (`Connection: close`, returned as headers to add), on HTTP/2 only its stream (reset
 * with NO_ERROR once the answer is out, RFC 9113 §8.1, so the client stops sending the body).
 */
export function closeAfterResponse(res: ServerResponse): Record<string, string> {
  if (!isHttp2(res.req)) return { Connection: 'close' };
  const stream = (res as unknown as { stream: { close(code: number): void } }).stream;
  (stream as unknown as NodeJS.EventEmitter).once('finish', () => stream.close(http2.NGHTTP2_NO_ERROR));
  return {};
}

/** Answers a refused request with its status and `{code, message}`; `headers` adds CORS headers where allowed. */
export function sendError(res: ServerResponse, error: TransportLabError, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(error.code, error.message);
  res.writeHead(error.status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    // An oversize body is not read: close the connection (HTTP/2: the stream) rather than drain it.
    ...(error.status === 413 ? closeAfterResponse(res) : {}),
  });
  res.end(body);
}

/**
 * Leaves `Connection: keep-alive` and `Keep-Alive: timeout=…` out of an answer (47 bytes): an HTTP/1.1
 * connection persists without them, and answers that come once per message (poll answers, POST
 * acks) should not carry them each time. Node keeps the connection open all the same (the header is
 * "removed", not set to close). Clients meet the server's idle timeout without the hint (ours closes
 * idle connections after 4 s, before Node's default 5 s: client/fetch.node.ts).
 */
export function omitKeepAliveHeaders(res: ServerResponse): void {
  res.removeHeader('Connection');
}

/** Rejects an upgrade request on the raw socket, with the same JSON body an HTTP request would get. */
export function rejectUpgrade(socket: Duplex, error: TransportLabError, headers: Record<string, string> = {}): void {
  socket.end(rawErrorResponse(error, headers));
  socket.once('finish', () => socket.destroy());
}

/** A whole HTTP/1.1 error response as text, for sockets that have no ServerResponse (upgrades, parse errors). */
export function rawErrorResponse(error: TransportLabError, headers: Record<string, string> = {}): string {
  const body = errorBody(error.code, error.message);
  return (
    responseHead(error.status, {
      Connection: 'close',
      ...headers,
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
    }) + body
  );
}

/**
 * An HTTP/1.1 response head as Node's ServerResponse writes it for the same `writeHead` (headers in
 * their order, then Date), for a connection taken off Node's HTTP server (server/takeover.ts).
 */
export function responseHead(status: number, headers: Record<string, string | number>): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
  return `${head}Date: ${httpDate()}\r\n\r\n`;
}

let dateSecond = 0;
let dateText = '';

/** The IMF-fixdate of now, made once a second. */
function httpDate(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/**
 * Reads a request body, refusing it before buffering when Content-Length says it is too big and
 * stopping as soon as a body without (or lying about) Content-Length passes the limit.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(new TransportLabError('BATCH_TOO_BIG'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(new TransportLabError('BATCH_TOO_BIG'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    // The client went away mid-body: its fault, not ours (and nobody is left to read the answer).
    req.on('error', (error) => reject(new TransportLabError('BAD_REQUEST', `request failed: ${error.message}`)));
    req.on('aborted', () => reject(new TransportLabError('BAD_REQUEST', 'request aborted')));
  });
}

/** The request header that carries the resume token where a client can set headers (it stays out of URLs). */
export const TOKEN_HEADER = 'x-session-token';

export interface SessionQuery {
  sid: string | null;
  /** From the X-Session-Token header, else the `token` query parameter (browsers' WebSocket and EventSource). */
  token: string | null;
  ack: number;
  probe: boolean;
  open: boolean;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * Parses and validates the session parameters every transport request carries, from the raw query
 * string. Without `%` or `+` nothing needs decoding and the values are read in place; otherwise
 * URLSearchParams decodes them (the same values either way).
 */
export function parseSessionQuery(query: string, req: IncomingMessage): SessionQuery {
  const params = /[%+]/.test(query) ? new URLSearchParams(query) : null;
  const get = (name: string) => (params ? params.get(name) : plainParam(query, name));
  const sid = get('sid');
  const header = req.headers[TOKEN_HEADER];
  const token = (typeof header === 'string' ? header : null) ?? get('token');
  const ackText = get('ack') ?? '0';
  if ((sid !== null && !ID_PATTERN.test(sid)) || (token !== null && !ID_PATTERN.test(token))) {
    throw new TransportLabError('BAD_REQUEST', 'sid/token must be base64url ids');
  }
  if ((sid === null) !== (token === null)) throw new TransportLabError('BAD_REQUEST', 'sid and token go together');
  if (!/^\d{1,15}$/.test(ackText)) throw new TransportLabError('BAD_REQUEST', 'ack must be a non-negative integer');
  return { sid, token, ack: Number(ackText), probe: get('probe') === '1', open: get('open') === '1' };
}

/** The first value of `name` in a query that needs no decoding (URLSearchParams.get's answer). */
function plainParam(query: string, name: string): string | null {
  for (let at = 0; at < query.length;) {
    let end = query.indexOf('&', at);
    if (end < 0) end = query.length;
    if (query.startsWith(name, at)) {
      const after = at + name.length;
      if (after === end) return '';
      if (query.charCodeAt(after) === 0x3d /* = */) return query.slice(after + 1, end);
    }
    at = end + 1;
  }
  return null;
}
