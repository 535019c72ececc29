/** Server-Sent Events downstream (EventSource), HTTP POST upstream. */
import type { Envelope } from '../../protocol/index.js';
import { ClientTransport, type EventSourceLike, type OpenParams } from '../transport.js';
import type { Upstream } from '../upstream.js';

export class SseTransport extends ClientTransport {
  readonly name = 'sse' as const;
  private source: EventSourceLike | null = null;
  private upstream: Upstream | null = null;

  open(params: OpenParams): void {
    const { EventSource, fetch } = this.settings.platform;
    const headers = this.settings.headers;
    const withHeaders: typeof fetch = (url, init) =>
      fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } });
    const source = new EventSource(this.url(params), headers ? { fetch: withHeaders } : undefined);
    source.onmessage = (ev) => this.receive(ev.data);
    // EventSource would reconnect on its own, without our resume parameters: any error ends this transport.
    source.onerror = () => this.gone('event stream failed or ended');
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
