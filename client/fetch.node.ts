/**
 * The Node client's fetch: node:http (https) on keep-alive agents, doing just what the client asks
 * of fetch (client/fetch.ts) — a GET or POST with our headers, a bytes body, an AbortSignal — and
 * answering with the status, headers and a body read whole or as a web stream (the `eventsource`
 * package reads event streams that way). undici's fetch cost 20–24 % of the client's CPU per request
 * and sent seven headers nobody reads; this sends Host, Connection and ours.
 *
 * Errors follow fetch: a refused or reset connection rejects with a TypeError ('fetch failed', the
 * cause attached); an abort rejects (or errors the body stream) with the signal's reason, an
 * AbortError. A response is never followed: a redirect comes back as it is.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { Fetch, FetchInit, FetchResponse } from './fetch.js';

/**
 * Idle kept-alive connections are closed after 4 s, before a Node server's default 5 s: our answers
 * carry no `Keep-Alive: timeout` hint (server/http.ts), and a request sent on a connection the server
 * is closing fails.
 */
const IDLE_MS = 4000;
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: IDLE_MS }),
  'https:': new https.Agent({ keepAlive: true, timeout: IDLE_MS }),
};

export const nodeFetch: Fetch = (input, init = {}) => {
  const url = typeof input === 'string' ? new URL(input) : input;
  const { signal } = init;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<FetchResponse>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
    if (!client) return reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
    const req = client.request(url, {
      method: init.method ?? 'GET',
      headers: requestHeaders(init),
      agent: agents[url.protocol as keyof typeof agents],
    });
    let response: http.IncomingMessage | null = null;
    const onAbort = () => {
      const error = abortError(signal!);
      response?.destroy(error); // a body being read or streamed fails with the abort
      req.destroy(error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.once('response', (res) => resolve(new NodeResponse((response = res))));
    req.once('error', (error) => {
      reject(signal?.aborted ? abortError(signal) : new TypeError('fetch failed', { cause: error }));
    });
    req.once('close', () => signal?.removeEventListener('abort', onAbort));
    req.end(init.body);
  });
};

function requestHeaders(init: FetchInit): Record<string, string | number> {
  const headers: Record<string, string | number> = { ...init.headers };
  if (init.body) headers['Content-Length'] = init.body.byteLength;
  return headers;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError');
}

class NodeResponse implements FetchResponse {
  private stream: ReadableStream<Uint8Array> | null = null;
  private used = false;

  constructor(private readonly res: http.IncomingMessage) {}

  get status(): number {
    return this.res.statusCode ?? 0;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  readonly headers = {
    get: (name: string): string | null => {
      const value = this.res.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };

  /** Made on first use; null once the body was read another way. */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.stream === null && !this.used) {
      this.used = true;
      this.stream = Readable.toWeb(this.res) as ReadableStream<Uint8Array>;
    }
    return this.stream;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8');
  }

  private bytes(): Promise<Buffer> {
    if (this.used) return Promise.reject(new TypeError('Body has already been read'));
    this.used = true;
    const res = this.res;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
      // A body cut short: the connection reset ('aborted'), or an abort (destroyed with its AbortError).
      res.once('error', (error) =>
        reject(error.name === 'AbortError' ? error : new TypeError('fetch failed', { cause: error })),
      );
    });
  }
}
