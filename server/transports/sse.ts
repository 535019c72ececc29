/**
 * Server-Sent Events downstream: one `text/event-stream` response per connection, one event per
 * envelope, the events of one tick in one write. Binary travels as base64 (kind `B`); text containing
 * CR is sent as a JSON string, because SSE treats CR as a line break. Upstream is HTTP POST (the router's).
 * With compression negotiated the stream is gzip/brotli-encoded and flushed after every write (once
 * per tick), so every event still leaves at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { encode, type Envelope } from '../../protocol/index.js';
import type { StreamEncoder } from '../compression.js';
import { isHttp2, responseGone } from '../http.js';
import { takeOver } from '../takeover.js';
import { ServerConnection, type TransportFactory } from '../transport.js';

/** One SSE event. `data:` without the optional space: the envelope never starts with one. */
export function sseEvent(text: string): string {
  return text.includes('\n') ? `data:${text.split('\n').join('\ndata:')}\n\n` : `data:${text}\n\n`;
}

const ignore = () => {};
function destroySocket(this: Socket): void {
  this.destroy();
}

function sseSafe(envelope: Envelope): Envelope {
  if (envelope.type === 'data' && envelope.kind === 't' && envelope.body.includes('\r')) {
    return { ...envelope, kind: 'j', body: JSON.stringify(envelope.body) };
  }
  if (envelope.type === 'close') return { ...envelope, reason: envelope.reason.replace(/[\r\n]/g, ' ') };
  return envelope;
}

/** The connection a stream serves (its listeners are shared functions, not closures per connection). */
const CONNECTION = Symbol('connection');
type Tagged = (Socket | ServerResponse) & { [CONNECTION]: SseConnection };

export class SseConnection extends ServerConnection {
  readonly transport = 'sse' as const;
  /** Events written in this tick, sent together at its end. */
  private out = '';
  /**
   * Where the events go: on HTTP/1.1 the connection's socket, taken from Node's HTTP server once the
   * head is written (the stream owns its connection: nothing else will come on it), else the response.
   */
  private readonly stream: Socket | ServerResponse;

  /**
   * @param encoder a compressor for the negotiated Content-Encoding, or null: its output is written to
   *   the response as it comes, and it is flushed after every write.
   */
  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    cors: Record<string, string>,
    private readonly encoder: StreamEncoder | null = null,
  ) {
    super();
    req.socket.setNoDelay(true);
    const http2 = isHttp2(req);
    const headers: Record<string, string> = {
      ...cors,
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no', // nginx: do not buffer this response
    };
    if (encoder) {
      headers['Content-Encoding'] = encoder.encoding;
      headers.Vary = 'Accept-Encoding';
    }
    // HTTP/1.1: the stream owns its connection until it ends, so its body can be close-delimited: no
    // chunked-encoding size line and CRLF around every event (HTTP/1.1 §6.3, rule 7). HTTP/2: the
    // body is the stream's DATA frames, it ends with the stream, and Connection is not allowed.
    if (!http2) {
      res.useChunkedEncodingByDefault = false;
      headers.Connection = 'close';
    }
    res.writeHead(200, headers);
    // The head goes out now, on its own: written once, it is kept as one flat string instead of the
    // tree of pieces Node built it from (~0.8 KB per idle stream).
    res.flushHeaders();
    const socket = http2 ? null : takeOver(req, res);
    if (socket) {
      socket.on('error', destroySocket);
      socket.on('end', destroySocket); // the client hung up
      socket.on('finish', destroySocket); // the stream ended and is flushed: close, as Node does
      socket.on('data', ignore); // nothing comes after the GET; reading goes on to see the client leave
    }
    const stream = (this.stream = socket ?? res);
    (stream as Tagged)[CONNECTION] = this;
    stream.on('close', SseConnection.onClose);
    if (encoder) {
      encoder.stream.on('data', (chunk: Buffer) => stream.write(chunk, this.trackWrite()));
      encoder.stream.on('end', () => stream.end());
      encoder.stream.on('error', () => this.destroy());
    }
  }

  private static onClose(this: Socket | ServerResponse): void {
    const connection = (this as Tagged)[CONNECTION];
    connection.encoder?.stream.destroy(); // its native memory goes with the stream
    connection.lost();
  }

  get bufferedAmount(): number {
    const encoding = this.encoder ? this.encoder.stream.writableLength : 0;
    return this.stream.writableLength + encoding + this.out.length;
  }

  protected deliver(envelope: Envelope): void {
    if (this.out.length === 0) process.nextTick(SseConnection.flush, this);
    this.out += sseEvent(encode(sseSafe(envelope), false) as string);
  }

  /** The tick's events in one write (compressed: one write and one flush of the compressor). */
  private static flush(connection: SseConnection): void {
    const events = connection.out;
    if (events.length === 0 || !connection.isOpen) return;
    connection.out = '';
    const encoder = connection.encoder;
    if (!encoder) return void connection.stream.write(events, connection.trackWrite());
    encoder.stream.write(events);
    encoder.flush();
  }

  protected terminate(code: number, reason: string): void {
    const events = this.out + sseEvent(encode(sseSafe({ type: 'close', code, reason }), false) as string);
    this.out = '';
    if (this.encoder) this.encoder.stream.end(events);
    else this.stream.end(events, this.trackWrite());
  }

  protected destroy(): void {
    this.encoder?.stream.destroy();
    this.stream.destroy();
  }
}

/** A GET opens (or resumes, or probes) a session on a new event stream, once the server admits it. */
export const sse: TransportFactory = (host) => ({
  async get(req, res, query) {
    const admission = await host.admit(req, query, 'sse');
    if (responseGone(res)) return; // the client left while it was being admitted
    const { compression } = host.options;
    const encoding = compression.negotiate(req);
    const encoder = encoding ? compression.stream(encoding) : null;
    host.open(admission, () => new SseConnection(req, res, host.corsHeaders(req), encoder));
  },
});
