/** WebSocket: one `ws` socket per connection; text envelopes as text frames, binary as binary frames. */
import { type WebSocket, WebSocketServer } from 'ws';
import { encode, ENVELOPE_ALLOWANCE, type Envelope, TransportLabError } from '../../protocol/index.js';
import { ServerConnection, type TransportFactory } from '../transport.js';

export class WebSocketConnection extends ServerConnection {
  readonly transport = 'websocket' as const;

  constructor(private readonly ws: WebSocket) {
    super();
    ws.on('message', (data: Buffer, isBinary: boolean) => this.receive(isBinary ? data : data.toString('utf8')));
    ws.on('close', () => this.lost());
    ws.on('error', () => this.lost()); // ws closes the socket itself (1009 too big, 1007 bad UTF-8, …)
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  protected deliver(envelopes: readonly Envelope[]): void {
    for (const envelope of envelopes) this.ws.send(encode(envelope));
  }

  protected terminate(code: number, reason: string): void {
    this.ws.close(code, reason);
  }
}

/** Opens by upgrade only. `ws` enforces maxMessageBytes (+ envelope) before buffering a frame. */
export const websocket: TransportFactory = (host) => {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: host.options.maxMessageBytes + ENVELOPE_ALLOWANCE,
    perMessageDeflate: host.options.perMessageDeflate,
  });
  return {
    upgrade(req, socket, head, query) {
      host.verifyToken(query); // a wrong token is refused before the handshake (403)…
      wss.handleUpgrade(req, socket, head, (ws) => {
        // …but a session is opened only once `ws` has completed the handshake: one it refuses
        // (bad key or version) leaves nothing behind.
        const connection = new WebSocketConnection(ws);
        try {
          host.open(req, query, () => connection);
        } catch (error) {
          const e = TransportLabError.from(error);
          connection.close(e.closeCode, e.code);
        }
      });
    },
    close: () => wss.close(),
  };
};
