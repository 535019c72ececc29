/**
 * HTTP response compression for the transports that answer over HTTP (SSE streams, long-poll
 * answers), negotiated with Accept-Encoding; WebSocket has permessage-deflate instead (ws). One
 * `compression` server option turns both on; off by default, like permessage-deflate: it costs CPU
 * per message and a compressor's memory per stream.
 *
 * An SSE stream keeps one compressor for its whole life and flushes it after every write (a sync
 * flush for gzip, BROTLI_OPERATION_FLUSH for brotli), so each event leaves at once and still
 * shares the dictionary of the events before it: that is where streams gain the most. A long-poll
 * answer is compressed as one body, when it is at least `threshold` bytes.
 */
import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';

export type ContentEncoding = 'br' | 'gzip';

export interface CompressionOptions {
  /** Encodings the server offers, in its order of preference (default br, gzip). */
  encodings?: readonly ContentEncoding[];
  /** Long-poll answers smaller than this go uncompressed (default 256 bytes). SSE streams always compress. */
  threshold?: number;
}

export interface StreamEncoder {
  readonly encoding: ContentEncoding;
  readonly stream: Transform;
  /** gzip: Z_SYNC_FLUSH (the dictionary survives, unlike zlib's default Z_FULL_FLUSH); brotli: FLUSH. */
  flush(): void;
}

export interface Compression {
  /** The encoding to answer this request with, or null (compression off, or nothing acceptable). */
  negotiate(req: IncomingMessage): ContentEncoding | null;
  /** A streaming compressor; `flush()` makes it emit everything written so far. */
  stream(encoding: ContentEncoding): StreamEncoder;
  /** Compresses a whole body, when it is worth it; calls back with the body and its encoding (null: as is). */
  body(
    encoding: ContentEncoding | null,
    body: Uint8Array,
    done: (error: Error | null, out: Uint8Array, used: ContentEncoding | null) => void,
  ): void;
}

/** Brotli at quality 5 with a 256 KiB window: near gzip's speed, smaller output, bounded memory per stream. */
const BROTLI: zlib.BrotliOptions = {
  params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_LGWIN]: 18 },
};
/** gzip at level 6 (zlib's default) with memLevel 8: ~256 KiB per stream. */
const GZIP: zlib.ZlibOptions = { level: 6 };

/** The Accept-Encoding tokens a request accepts (q > 0), lower-cased; `*` stands for any. */
export function acceptedEncodings(header: string | string[] | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';');
    if (!token) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) accepted.add(token);
  }
  return accepted;
}

export function createCompression(options: boolean | CompressionOptions | undefined): Compression {
  const enabled = options !== undefined && options !== false;
  const settings = typeof options === 'object' ? options : {};
  const offered = settings.encodings ?? (['br', 'gzip'] as const);
  const threshold = settings.threshold ?? 256;
  return {
    negotiate(req) {
      if (!enabled) return null;
      const accepted = acceptedEncodings(req.headers['accept-encoding']);
      return offered.find((encoding) => accepted.has(encoding) || accepted.has('*')) ?? null;
    },
    stream(encoding) {
      if (encoding === 'br') {
        const stream = zlib.createBrotliCompress(BROTLI);
        return { encoding, stream, flush: () => stream.flush(zlib.constants.BROTLI_OPERATION_FLUSH) };
      }
      const stream = zlib.createGzip(GZIP);
      return { encoding, stream, flush: () => stream.flush(zlib.constants.Z_SYNC_FLUSH) };
    },
    body(encoding, body, done) {
      if (encoding === null || body.byteLength < threshold) return done(null, body, null);
      const callback = (error: Error | null, out: Uint8Array) => done(error, out, encoding);
      if (encoding === 'br') zlib.brotliCompress(body, BROTLI, callback);
      else zlib.gzip(body, GZIP, callback);
    },
  };
}
