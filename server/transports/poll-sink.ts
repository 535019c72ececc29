/**
 * A poll parked on this node, as the long-polling connection sees it (`PollSink`): the HTTP response
 * while the poll is fresh; once it has waited a while (`idle()`), on HTTP/1.1, only its socket, taken
 * off Node's HTTP server (server/takeover.ts), which answers with the same bytes and hands the
 * kept-alive connection back to the server for the client's next request. An idle parked poll then
 * costs ~1.6 KB of heap instead of ~4.5 KB.
 *
 * `encoding`: what compression negotiated for the request (null: answers go as they are).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { BATCH_CONTENT_TYPE, type TransportLabError } from '../../protocol/index.js';
import type { Compression, ContentEncoding } from '../compression.js';
import { isHttp2, omitKeepAliveHeaders, rejectUpgrade, responseGone, responseHead, sendError } from '../http.js';
import { handBack, takeOver } from '../takeover.js';
import type { PollSink } from '../transport.js';

function destroySocket(this: Socket): void {
  this.destroy();
}

/** What a client may send on a connection while a poll waits on it (pipelined requests), at most. */
const MAX_PIPELINED_BYTES = 64 * 1024;

export function responseSink(
  req: IncomingMessage,
  res: ServerResponse,
  cors: Record<string, string>,
  compression: Compression,
): PollSink {
  return new ResponseSink(res, cors, compression, compression.negotiate(req));
}

/** A poll answer's head: a fresh object per answer (Node keeps none of it), CORS only for allowed origins. */
function answerHeaders(
  length: number,
  closeConnection: boolean,
  encoding: ContentEncoding | null,
  cors: Record<string, string>,
): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    'Content-Type': BATCH_CONTENT_TYPE,
    'Content-Length': length,
    'Cache-Control': 'no-store',
  };
  if (encoding !== null) {
    headers['Content-Encoding'] = encoding;
    headers.Vary = 'Accept-Encoding';
  }
  if (closeConnection) headers.Connection = 'close';
  for (const name in cors) headers[name] = cors[name];
  return headers;
}

/** The answer's body, compressed when negotiated (zlib, off the event loop; as is if that fails). */
function encodeAnswer(
  compression: Compression,
  encoding: ContentEncoding | null,
  body: Uint8Array,
  gone: () => boolean,
  write: (body: Uint8Array, encoding: ContentEncoding | null) => void,
  flushed: () => void,
): void {
  if (encoding === null) return write(body, null);
  compression.body(encoding, body, (error, encoded, used) => {
    if (gone()) return flushed();
    if (error) write(body, null);
    else write(encoded, used);
  });
}

/** The HTTP response itself (one object per poll, no closures kept while parked but onGone's). */
class ResponseSink implements PollSink {
  private answered = false;
  private gone: (() => void) | null = null;

  constructor(
    private readonly res: ServerResponse,
    private readonly cors: Record<string, string>,
    private readonly compression: Compression,
    private readonly encoding: ContentEncoding | null,
  ) {}

  answer(body: Uint8Array, closing: boolean, flushed: () => void): void {
    this.answered = true;
    const write = (data: Uint8Array, encoding: ContentEncoding | null) => this.write(data, encoding, closing, flushed);
    encodeAnswer(this.compression, this.encoding, body, () => responseGone(this.res), write, flushed);
  }

  private write(body: Uint8Array, encoding: ContentEncoding | null, closing: boolean, flushed: () => void): void {
    const res = this.res;
    const http2 = isHttp2(res.req);
    // Once per message: the head carries what it needs and no keep-alive headers (server/http.ts).
    // HTTP/1.1: the last answer closes the connection; HTTP/2: it ends only its stream.
    if (!closing && !http2) omitKeepAliveHeaders(res);
    res.writeHead(200, answerHeaders(body.byteLength, closing && !http2, encoding, this.cors));
    let done = false;
    const settle = () => void (done || ((done = true), flushed()));
    res.end(body, settle);
    res.once('close', settle); // cut before it was flushed
  }

  refuse(error: TransportLabError): void {
    this.answered = true;
    sendError(this.res, error, this.cors);
  }

  get pending(): number {
    return this.res.writableLength;
  }

  onGone(listener: () => void): void {
    this.gone = listener;
    this.res.once('close', () => this.answered || listener());
  }

  idle(): PollSink | null {
    if (this.answered) return null;
    const socket = takeOver(this.res.req, this.res);
    return socket && new SocketSink(socket, this.cors, this.compression, this.encoding, this.gone);
  }

  destroy(): void {
    this.res.destroy();
  }
}

/** The SocketSink a socket serves (its listeners are shared functions, not closures per poll). */
const SINK = Symbol('poll sink');
type SinkSocket = Socket & { [SINK]?: SocketSink | null };

/**
 * An idle poll, held as its connection's socket alone. Reading goes on, to see the client leave; what
 * it sends meanwhile (a pipelined request) is kept, up to MAX_PIPELINED_BYTES, for the server to read
 * once the connection is handed back.
 */
class SocketSink implements PollSink {
  private answered = false;
  private pipelined: Buffer[] | null = null;
  private pipelinedBytes = 0;

  constructor(
    private readonly socket: SinkSocket,
    private readonly cors: Record<string, string>,
    private readonly compression: Compression,
    private readonly encoding: ContentEncoding | null,
    private gone: (() => void) | null,
  ) {
    socket[SINK] = this;
    socket.on('data', SocketSink.onData);
    socket.on('end', destroySocket); // the client hung up: the poll is abandoned (Node's default too)
    socket.on('close', SocketSink.onClose);
    socket.on('error', destroySocket);
  }

  private static onData(this: SinkSocket, chunk: Buffer): void {
    const sink = this[SINK]!;
    sink.pipelinedBytes += chunk.length;
    if (sink.pipelinedBytes > MAX_PIPELINED_BYTES) return void this.destroy();
    (sink.pipelined ??= []).push(chunk);
  }

  private static onClose(this: SinkSocket): void {
    const sink = this[SINK]!;
    if (!sink.answered) sink.gone?.();
  }

  /** Answered: its listeners off (but for errors while it closes) and, kept alive, back to the server. */
  private release(keepAlive: boolean): void {
    const socket = this.socket;
    socket.off('data', SocketSink.onData);
    socket.off('end', destroySocket);
    socket.off('close', SocketSink.onClose);
    socket[SINK] = null;
    if (!keepAlive) return;
    socket.off('error', destroySocket);
    if (this.pipelined) socket.unshift(Buffer.concat(this.pipelined));
    this.pipelined = null;
    handBack(socket);
  }

  answer(body: Uint8Array, closing: boolean, flushed: () => void): void {
    this.answered = true;
    const write = (data: Uint8Array, encoding: ContentEncoding | null) => {
      const socket = this.socket;
      let done = false;
      const settle = () => {
        if (done) return;
        done = true;
        socket.off('close', settle);
        flushed();
      };
      socket.once('close', settle); // cut before it was flushed
      socket.cork();
      socket.write(responseHead(200, answerHeaders(data.byteLength, closing, encoding, this.cors)));
      socket.write(data, settle);
      process.nextTick(() => socket.uncork());
      this.release(!closing);
      if (closing) socket.end(() => socket.destroy()); // flushed: closed, as Node does after Connection: close
    };
    encodeAnswer(this.compression, this.encoding, body, () => this.socket.destroyed, write, flushed);
  }

  refuse(error: TransportLabError): void {
    this.answered = true;
    this.release(false);
    rejectUpgrade(this.socket, error, this.cors);
  }

  get pending(): number {
    return this.socket.writableLength;
  }

  onGone(listener: () => void): void {
    this.gone = listener;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
