/**
 * The client-side transport contract. A ClientTransport is one connection attempt over one transport:
 * it opens, decodes what arrives and hands envelopes to its owner, writes envelopes in order, and
 * reports once when it is gone. It knows nothing of sequence numbers, acks or fallback: the Client
 * owns those. After `close()` it reports nothing more (late callbacks of an abandoned transport are
 * dropped here, once, for every implementation).
 */
import {
  BATCH_CONTENT_TYPE,
  decode,
  encode,
  encodeBatch,
  type Envelope,
  CloseCodes,
  type Frame,
  TRANSPORT_CAPABILITIES,
  type TransportCapabilities,
  type TransportName,
} from '../protocol/index.js';
import type { Fetch } from './fetch.js';
import { codeOfStatus, type Ending, refusalCode } from './refusal.js';
import { Upstream } from './upstream.js';

export type { Ending } from './refusal.js';
export type { Fetch, FetchInit, FetchResponse } from './fetch.js';
export { codeOfStatus, refusalCode };

export interface WebSocketLike {
  binaryType: string;
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
}

export interface EventSourceLike {
  onmessage: ((ev: { data: string }) => void) | null;
  /** `code`: the HTTP status of a refused request, where the implementation tells (Node's eventsource). */
  onerror: ((ev: { code?: number }) => void) | null;
  close(): void;
}

/** What makes a request: a WebSocket handshake, an EventSource GET, or fetch (polls, POSTs). */
export type RequestKind = 'websocket' | 'eventsource' | 'fetch';

export interface Platform {
  WebSocket: new (
    url: string,
    protocols?: string | string[],
    options?: { headers?: Record<string, string> },
  ) => WebSocketLike;
  /** `fetch`: what the EventSource requests with, where it takes one (Node's eventsource package). */
  EventSource: new (url: string, init?: { fetch?: Fetch }) => EventSourceLike;
  fetch: Fetch;
  /**
   * Whether requests of this kind to this URL may carry our headers (the resume token, `auth`). Node:
   * always. Browsers: fetch only, and only same-origin (WebSocket and EventSource cannot set headers;
   * a cross-origin header would cost a CORS preflight per poll): elsewhere they go in the query.
   */
  headers(kind: RequestKind, url: URL): boolean;
}

/** What the Client tells a transport when opening it. */
export interface OpenParams {
  sid: string | null;
  token: string | null;
  /** Highest server→client seq received: the server resends what follows. */
  ack: number;
  /** Upgrade probe: the server sends a hello and answers pings, data waits for `u`. */
  probe: boolean;
}

export interface TransportSettings {
  baseUrl: string; // e.g. http://host:port/rt
  platform: Platform;
  /** Extra request headers (Node only; browsers set their own). */
  headers?: Record<string, string>;
  /** The session the client is in now (its token changes on every resume). */
  session(): { sid: string | null; token: string | null };
  /** The credential opening requests carry (the `auth` option, resolved before each connection walk). */
  auth(): string | null;
  /** Highest server→client seq received so far (long-polling sends it with every poll). */
  currentAck(): number;
  /** Largest upstream POST body the server accepts. */
  maxBatchBytes(): number;
}

export interface TransportOwner {
  onEnvelope(transport: ClientTransport, envelope: Envelope): void;
  /** Something arrived that is not an envelope (an empty long-poll answer): the server is alive. */
  onHeard(transport: ClientTransport): void;
  onGone(transport: ClientTransport, reason: string, ending?: Ending): void;
}

export type ClientTransportClass = new (settings: TransportSettings, owner: TransportOwner) => ClientTransport;

export abstract class ClientTransport {
  abstract readonly name: TransportName;
  private done = false;
  /** `{baseUrl}/{name}`, parsed once. */
  private endpoint: URL | null = null;

  constructor(
    protected readonly settings: TransportSettings,
    private readonly owner: TransportOwner,
  ) {}

  get capabilities(): TransportCapabilities {
    return TRANSPORT_CAPABILITIES[this.name];
  }

  get isOpen(): boolean {
    return !this.done;
  }

  abstract open(params: OpenParams): void;
  abstract send(envelopes: readonly Envelope[]): void;

  /** Sends a last envelope (the client's close) that must outlive this transport's shutdown. */
  sayGoodbye(envelope: Envelope): void {
    if (this.capabilities.upstream === 'connection') return this.send([envelope]);
    const { fetch } = this.settings.platform;
    const body = encodeBatch([encode(envelope)]);
    const { url, headers } = this.request('fetch', { upstream: true });
    // The answer is read (and dropped) so the connection under it is free again.
    fetch(url, { method: 'POST', body, headers: { 'Content-Type': BATCH_CONTENT_TYPE, ...headers } })
      .then((response) => response.arrayBuffer())
      .catch(() => {});
  }

  /** Ends the transport from the client side; the owner hears nothing more from it. */
  close(): void {
    if (this.done) return;
    this.done = true;
    this.shutdown();
  }

  protected abstract shutdown(): void;

  /**
   * A request of this transport: its URL and headers. The resume token and, on opening requests
   * (`open`), the `auth` credential go in headers where the request can carry them (Platform.headers),
   * else in the query. `upstream` URLs (POSTs) carry only the session.
   */
  protected request(
    kind: RequestKind,
    params: Partial<OpenParams> & { open?: boolean; upstream?: boolean },
  ): { url: string; headers: Record<string, string> } {
    const endpoint = (this.endpoint ??= new URL(`${this.settings.baseUrl.replace(/\/$/, '')}/${this.name}`));
    const inHeaders = this.settings.platform.headers(kind, endpoint);
    const headers: Record<string, string> = { ...this.settings.headers };
    const current = this.settings.session();
    const sid = params.sid !== undefined ? params.sid : current.sid;
    const token = params.token !== undefined ? params.token : current.token;
    let query = '';
    const add = (name: string, value: string) => (query += `${query ? '&' : '?'}${name}=${encodeURIComponent(value)}`);
    if (sid && token) {
      add('sid', sid);
      if (inHeaders) headers['X-Session-Token'] = token;
      else add('token', token);
    }
    if (!params.upstream) add('ack', String(params.ack ?? this.settings.currentAck()));
    if (params.probe) add('probe', '1');
    if (params.open) add('open', '1');
    const auth = params.open || kind !== 'fetch' ? this.settings.auth() : null;
    if (auth !== null) {
      if (inHeaders) headers.Authorization = `Bearer ${auth}`;
      else add('auth', auth);
    }
    return { url: endpoint.href + query, headers };
  }

  /** HTTP POST upstream (`upstream: 'post'`): the ack in each answer arrives like any envelope. */
  protected createUpstream(): Upstream {
    const { fetch } = this.settings.platform;
    return new Upstream({
      post: (body, signal) => {
        const { url, headers } = this.request('fetch', { upstream: true });
        return fetch(url, {
          method: 'POST',
          body,
          signal,
          headers: { 'Content-Type': BATCH_CONTENT_TYPE, ...headers },
        });
      },
      maxBatchBytes: () => this.settings.maxBatchBytes(),
      onResponse: (text) => this.receive(text),
      onFailure: (reason, ending) => this.gone(reason, ending),
    });
  }

  protected receive(frame: Frame): void {
    if (this.done) return;
    let envelope: Envelope;
    try {
      envelope = decode(frame);
    } catch (error) {
      return this.gone(`bad frame from server: ${(error as Error).message}`, { closeCode: CloseCodes.BAD_DATA });
    }
    this.owner.onEnvelope(this, envelope);
  }

  protected heard(): void {
    if (!this.done) this.owner.onHeard(this);
  }

  /** The connection ended by itself (or failed): report once, then stay quiet. */
  protected gone(reason: string, ending?: Ending): void {
    if (this.done) return;
    this.done = true;
    this.shutdown();
    this.owner.onGone(this, reason, ending);
  }
}
