/**
 * Which browser origins may connect, and what the server believes about the request's own origin
 * (scheme, host, client address) — directly, or from a trusted proxy's X-Forwarded-* headers.
 *
 * Origin checks protect a browser's ambient credentials (cookies) from other sites' pages. They are
 * not authentication: a request without an Origin header (any non-browser client, and browsers' own
 * same-origin GETs) passes by design; deciding who may connect is the `authenticate` hook's job.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';

/**
 * - 'same-origin' (default): the Origin's scheme, host and port must equal `publicOrigin` (one of
 *   them); without `publicOrigin`, the request's own origin, and then only when its host is an IP
 *   address or `localhost` — a host name in the Host header may be an attacker's domain rebound to
 *   this server (DNS rebinding), so a named host needs `publicOrigin`.
 * - '*': any origin.
 * - a list of origins ('https://app.example.com'): exactly those (compared as scheme://host:port).
 * - a predicate: your decision. It is not consulted for requests without Origin.
 */
export type OriginPolicy =
  'same-origin' | '*' | readonly string[] | ((origin: string, req: IncomingMessage) => boolean);

export interface OriginOptions {
  origins: OriginPolicy;
  /** The origin(s) browsers load the application from, e.g. 'https://app.example.com'. */
  publicOrigin?: string | readonly string[];
  /** Behind a reverse proxy: take scheme, host and client address from X-Forwarded-Proto/-Host/-For. */
  trustProxy: boolean;
}

/** scheme://host[:port] as browsers write it in Origin (default ports dropped); null when it does not parse. */
export function normalizeOrigin(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.origin === 'null' ? null : url.origin;
  } catch {
    return null;
  }
}

const firstValue = (header: string | string[] | undefined): string | undefined =>
  (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim() || undefined;

/** The client's address: the socket's, or with `trustProxy` the first X-Forwarded-For entry. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string | undefined {
  return (trustProxy ? firstValue(req.headers['x-forwarded-for']) : undefined) ?? req.socket.remoteAddress;
}

/** The origin this request was addressed to, as the server (or its trusted proxy) saw it. */
function requestOrigin(req: IncomingMessage, trustProxy: boolean): URL | null {
  const forwarded = trustProxy ? req.headers : {};
  const scheme = firstValue(forwarded['x-forwarded-proto']) ?? ((req.socket as TLSSocket).encrypted ? 'https' : 'http');
  // HTTP/2 has no Host header: its `:authority` pseudo-header says the same (RFC 9113 §8.3.1).
  const host = firstValue(forwarded['x-forwarded-host']) ?? req.headers.host ?? firstValue(req.headers[':authority']);
  if (!host) return null;
  try {
    return new URL(`${scheme}://${host}`);
  } catch {
    return null;
  }
}

const isLoopbackName = (hostname: string) => hostname === 'localhost' || hostname.endsWith('.localhost');

export class OriginCheck {
  private readonly publicOrigins: ReadonlySet<string> | null;
  private readonly listed: ReadonlySet<string> | null;
  /** Requests whose Origin was allowed: only they get CORS headers. */
  private readonly allowed = new WeakSet<IncomingMessage>();

  constructor(private readonly options: OriginOptions) {
    const publicOrigin = options.publicOrigin;
    const list = (origins: readonly string[]) => new Set(origins.map((o) => normalizeOrigin(o) ?? o));
    this.publicOrigins =
      publicOrigin === undefined ? null : list(typeof publicOrigin === 'string' ? [publicOrigin] : publicOrigin);
    this.listed = Array.isArray(options.origins) ? list(options.origins as readonly string[]) : null;
  }

  /** Whether the request may proceed; remembers an allowed Origin for corsHeaders(). */
  allows(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const ok = this.decide(origin, req);
    if (ok) this.allowed.add(req);
    return ok;
  }

  /** CORS headers for a request whose Origin was allowed; nothing for any other. */
  corsHeaders(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (!origin || !this.allowed.has(req)) return {};
    return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
  }

  private decide(origin: string, req: IncomingMessage): boolean {
    const policy = this.options.origins;
    if (policy === '*') return true;
    if (typeof policy === 'function') return policy(origin, req);
    const normalized = normalizeOrigin(origin);
    if (normalized === null) return false;
    if (this.listed) return this.listed.has(normalized);
    if (this.publicOrigins) return this.publicOrigins.has(normalized);
    const own = requestOrigin(req, this.options.trustProxy);
    if (own === null || own.origin !== normalized) return false;
    const hostname = own.hostname.replace(/^\[|\]$/g, '');
    return isIP(hostname) !== 0 || isLoopbackName(hostname);
  }
}
