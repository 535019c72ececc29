/** HTTP plumbing shared by the transports: errors, origins, CORS, bounded body reading. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCodes, type ErrorCode, TransportLabError } from '../protocol/index.js';

/**
 * Which browser origins may connect. Requests without an Origin header (non-browser clients) are
 * always allowed: Origin checks protect browsers' ambient credentials, which such clients lack.
 *  - 'same-origin' (default): the Origin's host must equal the request's Host header.
 *  - '*': any origin.
 *  - a list of exact origins ('https://app.example.com'), or a predicate.
 */
export type OriginPolicy =
  'same-origin' | '*' | readonly string[] | ((origin: string, req: IncomingMessage) => boolean);

export function isOriginAllowed(policy: OriginPolicy, req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (policy === '*') return true;
  if (typeof policy === 'function') return policy(origin, req);
  if (policy === 'same-origin') {
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }
  return policy.includes(origin);
}

/** CORS headers for an allowed cross-origin request (nothing for same-origin or non-browser). */
export function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin) return {};
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}

export function errorBody(code: ErrorCode, message?: string): string {
  return JSON.stringify({ code, message: message ?? ErrorCodes[code].message });
}

export function sendError(req: IncomingMessage, res: ServerResponse, error: TransportLabError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(error.code, error.message);
  res.writeHead(error.status, {
    ...corsHeaders(req),
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    // An oversize body is not read: close the connection rather than drain it.
    ...(error.status === 413 ? { Connection: 'close' } : {}),
  });
  res.end(body);
}

/** Rejects an upgrade request on the raw socket, with the same JSON body an HTTP request would get. */
export function rejectUpgrade(socket: Duplex, error: TransportLabError): void {
  const body = errorBody(error.code, error.message);
  socket.end(
    `HTTP/1.1 ${error.status} ${error.code}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
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

export interface SessionQuery {
  sid: string | null;
  token: string | null;
  ack: number;
  probe: boolean;
  open: boolean;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** Parses and validates the session query parameters every transport request carries. */
export function parseSessionQuery(url: URL): SessionQuery {
  const q = url.searchParams;
  const sid = q.get('sid');
  const token = q.get('token');
  const ackText = q.get('ack') ?? '0';
  if ((sid !== null && !ID_PATTERN.test(sid)) || (token !== null && !ID_PATTERN.test(token))) {
    throw new TransportLabError('BAD_REQUEST', 'sid/token must be base64url ids');
  }
  if ((sid === null) !== (token === null)) throw new TransportLabError('BAD_REQUEST', 'sid and token go together');
  if (!/^\d{1,15}$/.test(ackText)) throw new TransportLabError('BAD_REQUEST', 'ack must be a non-negative integer');
  return { sid, token, ack: Number(ackText), probe: q.get('probe') === '1', open: q.get('open') === '1' };
}
