/**
 * The part of WHATWG fetch the client uses: GET or POST with headers, a bytes body and an AbortSignal;
 * the answer's status, headers, and body as bytes, text or a web stream. The browser's fetch is one;
 * Node's platform has a leaner one on node:http keep-alive agents (client/fetch.node.ts).
 */
export type Fetch = (url: string | URL, init?: FetchInit) => Promise<FetchResponse>;

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array<ArrayBuffer>;
  signal?: AbortSignal;
}

export interface FetchResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  /** The body as a web stream (an event stream is read this way); the other readers consume it whole. */
  readonly body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}
