/** WebSocket: text envelopes as text frames, binary as binary frames. */
import { CloseCodes, encode, type Envelope } from '../../protocol/index.js';
import { ClientTransport, type OpenParams, type WebSocketLike } from '../transport.js';

export class WebSocketTransport extends ClientTransport {
  readonly name = 'websocket' as const;
  private ws: WebSocketLike | null = null;

  open(params: OpenParams): void {
    const { WebSocket } = this.settings.platform;
    const url = this.url(params).replace(/^http/, 'ws');
    const ws = this.settings.headers
      ? new WebSocket(url, undefined, { headers: this.settings.headers })
      : new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (ev) => this.receive(typeof ev.data === 'string' ? ev.data : new Uint8Array(ev.data as ArrayBuffer));
    ws.onclose = (ev) => this.gone(`websocket closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''})`, ev.code);
    ws.onerror = () => {}; // a close event always follows
    this.ws = ws;
  }

  send(envelopes: readonly Envelope[]): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1 || !this.isOpen) return; // frames stay in the client's buffer and are resent
    for (const envelope of envelopes) ws.send(encode(envelope));
  }

  protected shutdown(): void {
    const ws = this.ws;
    if (!ws) return;
    ws.onmessage = ws.onclose = null;
    if (ws.readyState === 0) ws.onopen = () => ws.close(CloseCodes.NORMAL);
    else ws.close(CloseCodes.NORMAL);
  }
}
