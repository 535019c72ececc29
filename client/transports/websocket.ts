/** WebSocket: text envelopes as text frames, binary as binary frames. */
import { CloseCodes, encode, type Envelope, isErrorCode } from '../../protocol/index.js';
import { ClientTransport, type OpenParams, type WebSocketLike } from '../transport.js';

export class WebSocketTransport extends ClientTransport {
  readonly name = 'websocket' as const;
  private ws: WebSocketLike | null = null;

  open(params: OpenParams): void {
    const { WebSocket } = this.settings.platform;
    const { url, headers } = this.request('websocket', params);
    const wsUrl = url.replace(/^http/, 'ws');
    const ws = Object.keys(headers).length > 0 ? new WebSocket(wsUrl, undefined, { headers }) : new WebSocket(wsUrl);
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (ev) => this.receive(typeof ev.data === 'string' ? ev.data : new Uint8Array(ev.data as ArrayBuffer));
    // A refusal after the handshake closes with its code, and its name as the reason (e.g. 1008 UNAUTHORIZED).
    ws.onclose = (ev) =>
      this.gone(`websocket closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''})`, {
        closeCode: ev.code,
        code: isErrorCode(ev.reason) ? ev.reason : undefined,
      });
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
