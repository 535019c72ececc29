/** WebSocket: one `ws` socket per connection; text envelopes as text frames, binary as binary frames. */
import type { WebSocket } from 'ws';
import { encode, type Envelope } from '../../protocol/index.js';
import { ServerConnection } from '../transport.js';

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
