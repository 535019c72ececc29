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
import { Upstream } from './upstream.js';

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
  onerror: ((ev: unknown) => void) | null;
  close(): void;
}

export interface Platform {
  WebSocket: new (
    url: string,
    protocols?: string | string[],
    options?: { headers?: Record<string, string> },
  ) => WebSocketLike;
  EventSource: new (url: string, init?: { fetch?: typeof fetch }) => EventSourceLike;
  fetch: typeof fetch;
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
  /** Highest server→client seq received so far (long-polling sends it with every poll). */
  currentAck(): number;
  /** Largest upstream POST body the server accepts. */
  maxBatchBytes(): number;
}

export interface TransportOwner {
  onEnvelope(transport: ClientTransport, envelope: Envelope): void;
  /** Something arrived that is not an envelope (an empty long-poll answer): the server is alive. */
  onHeard(transport: ClientTransport): void;
  onGone(transport: ClientTransport, reason: string, code?: number): void;
}

export type ClientTransportClass = new (settings: TransportSettings, owner: TransportOwner) => ClientTransport;

export abstract class ClientTransport {
  abstract readonly name: TransportName;
  protected sid: string | null = null;
  protected token: string | null = null;
  private done = false;

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

  /** Called by the Client when a hello names the session (upstream requests need it). */
  setSession(sid: string, token: string): void {
    this.sid = sid;
    this.token = token;
  }

  abstract open(params: OpenParams): void;
  abstract send(envelopes: readonly Envelope[]): void;

  /** Sends a last envelope (the client's close) that must outlive this transport's shutdown. */
  sayGoodbye(envelope: Envelope): void {
    if (this.capabilities.upstream === 'connection') return this.send([envelope]);
    const { fetch } = this.settings.platform;
    const body = encodeBatch([encode(envelope)]);
    fetch(this.url({ upstream: true }), {
      method: 'POST',
      body,
      headers: { 'Content-Type': BATCH_CONTENT_TYPE, ...this.settings.headers },
    }).catch(() => {});
  }

  /** Ends the transport from the client side; the owner hears nothing more from it. */
  close(): void {
    if (this.done) return;
    this.done = true;
    this.shutdown();
  }

  protected abstract shutdown(): void;

  /** A request URL of this transport; `upstream` URLs (POSTs) carry only the session. */
  protected url(params: Partial<OpenParams> & { open?: boolean; upstream?: boolean }): string {
    const url = new URL(`${this.settings.baseUrl.replace(/\/$/, '')}/${this.name}`);
    const sid = params.sid ?? this.sid;
    const token = params.token ?? this.token;
    if (sid && token) {
      url.searchParams.set('sid', sid);
      url.searchParams.set('token', token);
    }
    if (!params.upstream) url.searchParams.set('ack', String(params.ack ?? this.settings.currentAck()));
    if (params.probe) url.searchParams.set('probe', '1');
    if (params.open) url.searchParams.set('open', '1');
    return url.toString();
  }

  /** HTTP POST upstream (`upstream: 'post'`): the ack in each answer arrives like any envelope. */
  protected createUpstream(): Upstream {
    const { fetch } = this.settings.platform;
    return new Upstream({
      post: (body, signal) =>
        fetch(this.url({ upstream: true }), {
          method: 'POST',
          body,
          signal,
          headers: { 'Content-Type': BATCH_CONTENT_TYPE, ...this.settings.headers },
        }),
      maxBatchBytes: () => this.settings.maxBatchBytes(),
      onResponse: (text) => this.receive(text),
      onFailure: (reason, code) => this.gone(reason, code),
    });
  }

  protected receive(frame: Frame): void {
    if (this.done) return;
    let envelope: Envelope;
    try {
      envelope = decode(frame);
    } catch (error) {
      return this.gone(`bad frame from server: ${(error as Error).message}`, CloseCodes.BAD_DATA);
    }
    this.owner.onEnvelope(this, envelope);
  }

  protected heard(): void {
    if (!this.done) this.owner.onHeard(this);
  }

  /** The connection ended by itself (or failed): report once, then stay quiet. */
  protected gone(reason: string, code?: number): void {
    if (this.done) return;
    this.done = true;
    this.shutdown();
    this.owner.onGone(this, reason, code);
  }
}
