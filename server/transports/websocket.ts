/**
 * WebSocket: one `ws` socket per connection; text envelopes as text frames, binary as binary frames.
 * The frames of one tick go out in one write: the TCP socket is corked on the first and uncorked at
 * the end of the tick (a write system call per frame was a third of the server's CPU).
 */
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { encode, ENVELOPE_ALLOWANCE, type Envelope, TransportLabError } from '../../protocol/index.js';
import { rejectUpgrade } from '../http.js';
import { ServerConnection, type TransportFactory, type WriteBatch } from '../transport.js';

/** The connection a `ws` socket serves (its listeners are shared functions, not closures per connection). */
const CONNECTION = Symbol('connection');
type TaggedWebSocket = WebSocket & { [CONNECTION]: WebSocketConnection };

export class WebSocketConnection extends ServerConnection {
  readonly transport = 'websocket' as const;
  /** The frames of this tick, written while the socket is corked (null: not corked). */
  private batch: WriteBatch | null = null;

  constructor(
    private readonly ws: WebSocket,
    /** The TCP socket under `ws` (the one the upgrade came on). */
    private readonly socket: Duplex,
  ) {
    super();
    (ws as TaggedWebSocket)[CONNECTION] = this;
    ws.on('message', WebSocketConnection.onMessage);
    ws.on('close', WebSocketConnection.onClose);
    ws.on('error', WebSocketConnection.onClose); // ws closes the socket itself (1002 protocol error, 1009 too big, 1007 bad UTF-8)
  }

  private static onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
    (this as TaggedWebSocket)[CONNECTION].receive(isBinary ? data : data.toString('utf8'));
  }

  private static onClose(this: WebSocket): void {
    (this as TaggedWebSocket)[CONNECTION].lost();
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  protected deliver(envelope: Envelope): void {
    if (this.batch) {
      this.batch.add();
      return this.ws.send(encode(envelope));
    }
    this.batch = this.trackWrites();
    this.socket.cork();
    process.nextTick(WebSocketConnection.uncork, this);
    this.ws.send(encode(envelope), this.batch.done); // flushed with the rest of the tick's frames
  }

  private static uncork(connection: WebSocketConnection): void {
    connection.batch = null;
    connection.socket.uncork();
  }

  protected terminate(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  protected destroy(): void {
    this.ws.terminate();
  }

  protected override pauseInbound(): void {
    this.ws.pause();
  }

  protected override resumeInbound(): void {
    this.ws.resume();
  }
}

/**
 * Opens by upgrade only. `ws` enforces maxMessageBytes (+ envelope) before buffering a frame. A request
 * the server does not admit (token, authentication, rate limit, capacity) still completes the
 * handshake and is then closed with the refusal's code and its name as the reason: a browser's
 * WebSocket sees close codes, never the status of a refused handshake. Nothing is opened for it.
 */
export const websocket: TransportFactory = (host) => {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: host.options.maxMessageBytes + ENVELOPE_ALLOWANCE,
    perMessageDeflate: host.options.perMessageDeflate,
  });
  // What ws itself refuses (a malformed Sec-WebSocket-Protocol or -Extensions header) gets our JSON too.
  wss.on('wsClientError', (error: Error, socket) =>
    rejectUpgrade(socket, new TransportLabError('BAD_REQUEST', error.message)),
  );
  return {
    upgrade(req, socket, head, query) {
      host.admit(req, query, 'websocket').then(
        (admission) =>
          wss.handleUpgrade(req, socket, head, (ws) => host.open(admission, () => new WebSocketConnection(ws, socket))),
        (error: unknown) => {
          const e = host.refusal(req, error);
          wss.handleUpgrade(req, socket, head, (ws) => {
            ws.on('error', () => {}); // whatever the client sends meanwhile: ws closes the socket itself
            ws.close(e.closeCode, e.code);
          });
        },
      );
    },
    close: () => wss.close(),
  };
};
