/** Server-Sent Events downstream (EventSource), HTTP POST upstream. */
import { type Envelope, ErrorCodes, isErrorCode } from '../../protocol/index.js';
import {
  ClientTransport,
  codeOfStatus,
  type EventSourceLike,
  type Fetch,
  type OpenParams,
  refusalCode,
} from '../transport.js';
import type { Upstream } from '../upstream.js';

export class SseTransport extends ClientTransport {
  readonly name = 'sse' as const;
  private source: EventSourceLike | null = null;
  private upstream: Upstream | null = null;

  open(params: OpenParams): void {
    const { EventSource, fetch } = this.settings.platform;
    const { url, headers } = this.request('eventsource', params);
    let refused: string | undefined;
    // Where EventSource takes a fetch (Node's eventsource), it carries our headers and reads a refusal's
    // code (EventSource reads nothing of a refused answer but its status).
    const viaFetch: Fetch = async (input, init) => {
      const response = await fetch(input, { ...init, headers: { ...init?.headers, ...headers } });
      if (!response.ok) refused = refusalCode(await response.text());
      return response;
    };
    const source = new EventSource(url, { fetch: viaFetch });
    source.onmessage = (ev) => this.receive(ev.data);
    // EventSource would reconnect on its own, without our resume parameters: any error ends this transport.
    source.onerror = (ev) => {
      const code = refused ?? codeOfStatus(ev.code);
      this.gone(`event stream failed or ended${code ? ` (${ev.code ?? ''} ${code})` : ''}`, {
        code,
        closeCode: isErrorCode(code) ? ErrorCodes[code].close : undefined,
      });
    };
    this.source = source;
    this.upstream = this.createUpstream();
  }

  send(envelopes: readonly Envelope[]): void {
    if (this.isOpen) this.upstream?.send(envelopes);
  }

  protected shutdown(): void {
    this.source?.close();
    this.upstream?.close();
  }
}
