/**
 * Middleboxes: the proxies and load balancers that break realtime transports, emulated inside the
 * network proxy. Each sees a connection's bytes as they arrive from either side and decides what
 * travels on. The registry at the end names each one, its parameter and what it does (read by
 * `transport-lab list`, the demo and docs/scenarios.md); `parseMiddlebox('idle-timeout:30')` builds
 * one from a CLI spec.
 */
import { createHttpConnection, Http1Tokenizer, isUpgradeRequest, type HttpToken } from './http1.js';

/** What a middlebox may do to its connection. */
export interface MiddleboxPorts {
  readonly connectionId: number;
  toServer(bytes: Buffer): void;
  toClient(bytes: Buffer): void;
  /** Closes toward the client (FIN) once everything sent to it has been delivered. */
  endClient(): void;
  /** Destroys both sides now (a cut); the proxy reports it as a `cut` event with this reason. */
  cut(reason: string): void;
  /** Reports what the middlebox did (a `middlebox` event). */
  event(detail: string): void;
}

/** Per-connection hooks: called with each chunk as it arrives at the proxy. */
export interface MiddleboxSession {
  fromClient(bytes: Buffer): void;
  fromServer(bytes: Buffer): void;
  close(): void;
}

/** What the proxy as a whole offers a middlebox that acts on all connections at once. */
export interface ProxyControls {
  cutAll(reason: string): number;
}

export interface Middlebox {
  /** Canonical spec with resolved parameters, e.g. "idle-timeout:30"; reported in results. */
  readonly spec: string;
  open(ports: MiddleboxPorts): MiddleboxSession;
  /** Proxy-wide behaviour; returns a stop function called when the proxy closes. */
  start?(proxy: ProxyControls): () => void;
}

export type MiddleboxSpec = string | Middlebox;

function passThrough(ports: MiddleboxPorts, extra: Partial<MiddleboxSession> = {}): MiddleboxSession {
  return { fromClient: (b) => ports.toServer(b), fromServer: (b) => ports.toClient(b), close: () => {}, ...extra };
}

const bytesOf = (token: HttpToken): Buffer | null => ('bytes' in token ? token.bytes : null);

export function blockWebSocket(): Middlebox {
  const body = 'WebSocket upgrade refused by middlebox (block-websocket)\n';
  const refusal = Buffer.from(
    `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
  return {
    spec: 'block-websocket',
    open(ports) {
      let blocked = false;
      const requests = new Http1Tokenizer((token) => {
        if (blocked) return;
        if (token.kind === 'head' && isUpgradeRequest(token.head)) {
          blocked = true;
          ports.event(`block-websocket refused ${token.head.target ?? ''}`);
          ports.toClient(refusal);
          ports.endClient();
          return;
        }
        const bytes = bytesOf(token);
        if (bytes) ports.toServer(bytes);
      });
      return passThrough(ports, {
        fromClient: (b) => requests.push(b),
        fromServer: (b) => !blocked && ports.toClient(b),
      });
    },
  };
}

export function stallWebSocket(): Middlebox {
  return {
    spec: 'stall-websocket',
    open(ports) {
      let stalled = false;
      const forward = (send: (b: Buffer) => void) => (token: HttpToken) => {
        const bytes = bytesOf(token);
        if (token.kind === 'tunnel') {
          if (!stalled) ports.event('stall-websocket: upgraded connection stalled');
          stalled = true;
        } else if (bytes) send(bytes);
      };
      const http = createHttpConnection(forward(ports.toServer), forward(ports.toClient));
      return passThrough(ports, { fromClient: (b) => http.request.push(b), fromServer: (b) => http.response.push(b) });
    },
  };
}

export function bufferStreaming(limitKB: number): Middlebox {
  const limit = limitKB * 1024;
  return {
    spec: `buffer-streaming:${limitKB}`,
    open(ports) {
      let held: Buffer[] = [];
      let heldBytes = 0;
      const release = () => {
        if (heldBytes > 0) ports.toClient(Buffer.concat(held, heldBytes));
        held = [];
        heldBytes = 0;
      };
      const http = createHttpConnection(
        () => {},
        (token) => {
          const bytes = bytesOf(token);
          if (token.kind === 'body' || token.kind === 'chunk-meta') {
            held.push(token.bytes);
            heldBytes += token.bytes.length;
            if (heldBytes >= limit) release();
          } else {
            release(); // heads pass at once (like nginx's proxy_buffering); 'end' releases the body
            if (bytes) ports.toClient(bytes);
          }
        },
      );
      return passThrough(ports, {
        fromClient: (b) => {
          http.request.push(b); // only to pair responses with requests (HEAD, upgrades)
          ports.toServer(b);
        },
        fromServer: (b) => http.response.push(b),
      });
    },
  };
}

export function idleTimeout(seconds: number): Middlebox {
  return {
    spec: `idle-timeout:${seconds}`,
    open(ports) {
      let timer: NodeJS.Timeout;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => ports.cut(`idle-timeout: no bytes for ${seconds} s`), seconds * 1000);
      };
      arm();
      return {
        fromClient: (b) => (arm(), ports.toServer(b)),
        fromServer: (b) => (arm(), ports.toClient(b)),
        close: () => clearTimeout(timer),
      };
    },
  };
}

export function flaky(seconds: number): Middlebox {
  return {
    spec: `flaky:${seconds}`,
    open: (ports) => passThrough(ports),
    start(proxy) {
      const timer = setInterval(() => proxy.cutAll(`flaky: link cut every ${seconds} s`), seconds * 1000);
      return () => clearInterval(timer);
    },
  };
}

interface Entry {
  /** Builds it; `param` is the spec's number, or the default (below) when the spec has none. */
  make(param: number): Middlebox;
  /** Its optional parameter: unit and the value used when none is given. */
  param?: { unit: 'KB' | 'seconds'; default: number };
  /** What it does, with its parameter's value. */
  describe(param: number): string;
}

const MIDDLEBOXES: Record<string, Entry> = {
  'block-websocket': {
    make: blockWebSocket,
    describe: () => 'answers the WebSocket upgrade itself with 403 and closes; other HTTP passes',
  },
  'stall-websocket': {
    make: stallWebSocket,
    describe: () => 'forwards the upgrade and its 101, then nothing more on that connection',
  },
  'buffer-streaming': {
    make: bufferStreaming,
    param: { unit: 'KB', default: 64 },
    describe: (kb) => `holds each response body until complete or ${kb} KB; heads pass, WebSocket tunnels untouched`,
  },
  'idle-timeout': {
    make: idleTimeout,
    param: { unit: 'seconds', default: 30 },
    describe: (s) => `drops connections with no bytes either way for ${s} s`,
  },
  flaky: {
    make: flaky,
    param: { unit: 'seconds', default: 10 },
    describe: (s) => `cuts every open connection every ${s} s`,
  },
};

export const MIDDLEBOX_NAMES = Object.keys(MIDDLEBOXES);

/**
 * Every middlebox for lists and docs: its name, how to write it ("flaky[:seconds=10]"), and what it
 * does with the default parameter.
 */
export const MIDDLEBOX_LIST: ReadonlyArray<{ name: string; usage: string; description: string }> = Object.entries(
  MIDDLEBOXES,
).map(([name, { param, describe }]) => ({
  name,
  usage: param ? `${name}[:${param.unit}=${param.default}]` : name,
  description: describe(param?.default ?? 0),
}));

/** Splits and checks "name" or "name:number"; throws a clear Error. */
function resolveSpec(spec: string): { name: string; entry: Entry; param: number | undefined } {
  const [name = '', param, ...rest] = spec.trim().split(':');
  const entry = Object.hasOwn(MIDDLEBOXES, name) ? MIDDLEBOXES[name] : undefined;
  if (!entry)
    throw new Error(`Unknown middlebox ${JSON.stringify(name)}; valid middleboxes: ${MIDDLEBOX_NAMES.join(', ')}`);
  if (param === undefined) return { name, entry, param: undefined };
  if (!entry.param) throw new Error(`Middlebox "${name}" takes no parameter (got ${JSON.stringify(spec)})`);
  const value = Number(param);
  if (rest.length > 0 || param.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new Error(
      `Middlebox "${name}" takes one positive number of ${entry.param.unit}, e.g. "${name}:${entry.param.default}" (got ${JSON.stringify(spec)})`,
    );
  }
  return { name, entry, param: value };
}

/** Parses "name" or "name:number" (e.g. "flaky:5", "buffer-streaming:16"); throws a clear Error. */
export function parseMiddlebox(spec: string): Middlebox {
  const { entry, param } = resolveSpec(spec);
  return entry.make(param ?? entry.param?.default ?? 0);
}

/** What the middlebox of a spec does, e.g. "flaky:5" → "cuts every open connection every 5 s". */
export function describeMiddlebox(spec: string): string {
  const { entry, param } = resolveSpec(spec);
  return entry.describe(param ?? entry.param?.default ?? 0);
}

export function resolveMiddlebox(spec: MiddleboxSpec | null | undefined): Middlebox | null {
  if (spec === null || spec === undefined) return null;
  return typeof spec === 'string' ? parseMiddlebox(spec) : spec;
}
