/**
 * A passive HTTP/1.1 tokenizer: splits the bytes of one connection into heads, body bytes, chunked
 * framing and "tunnel" bytes after a `101 Switching Protocols`, without ever changing them. Every
 * input byte comes out in exactly one token, in order, so callers can re-emit a stream verbatim
 * (middleboxes) or count every byte (the wire meter). It never throws: what it cannot parse comes
 * out as `junk`, and so does everything after it on that side of the connection.
 */

export interface HttpHead {
  startLine: string;
  /** Request heads. */
  method?: string;
  target?: string;
  /** Response heads. */
  status?: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Map<string, string>;
}

export type HttpToken =
  | { kind: 'head'; bytes: Buffer; head: HttpHead; request?: HttpHead } // request: what a response answers
  | { kind: 'body'; bytes: Buffer } // message body content (chunked framing removed)
  | { kind: 'chunk-meta'; bytes: Buffer } // chunk-size lines, CRLFs after chunk data, last chunk, trailers
  | { kind: 'end' } // the message is complete (no bytes)
  | { kind: 'tunnel'; bytes: Buffer } // after a 101: the upgraded protocol's bytes
  | { kind: 'junk'; bytes: Buffer }; // not HTTP/1.1 as understood here

export type TokenSink = (token: HttpToken) => void;

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

type State =
  | { s: 'head' }
  | { s: 'length'; left: number }
  | { s: 'until-close' }
  | { s: 'chunk-line'; line: string }
  | { s: 'chunk-data'; left: number }
  | { s: 'chunk-crlf'; left: number }
  | { s: 'trailers'; line: string }
  | { s: 'tunnel' }
  | { s: 'junk' };

export function headerIs(head: HttpHead, name: string, token: string): boolean {
  const value = head.headers.get(name);
  return (
    value !== undefined &&
    value
      .toLowerCase()
      .split(',')
      .some((v) => v.trim().startsWith(token))
  );
}

export function isUpgradeRequest(head: HttpHead): boolean {
  return head.method !== undefined && headerIs(head, 'upgrade', 'websocket');
}

export function parseHead(text: string): HttpHead | null {
  const lines = text.split('\r\n');
  const startLine = lines[0];
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  const response = /^HTTP\/1\.[01] (\d{3})/.exec(startLine);
  if (response) return { startLine, status: Number(response[1]), headers };
  const request = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(startLine);
  if (request) return { startLine, method: request[1], target: request[2], headers };
  return null;
}

/** One side of a connection. Pair two with `createHttpConnection` so responses know their request. */
export class Http1Tokenizer {
  private state: State = { s: 'head' };
  private headBuf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly sink: TokenSink,
    /** For responses: the request being answered (shifted from the request side's queue). */
    private readonly nextRequest: () => HttpHead | undefined = () => undefined,
    private readonly onUpgrade: () => void = () => {},
  ) {}

  /** Bytes held while a head is incomplete (they come out when it completes). */
  get pendingBytes(): number {
    return this.headBuf.length;
  }

  switchToTunnel(): void {
    if (this.state.s === 'head' && this.headBuf.length === 0) this.state = { s: 'tunnel' };
  }

  /** End of this side's stream: whatever is held comes out as junk; a body read until close ends. */
  finish(): void {
    if (this.headBuf.length > 0) this.emitJunk(this.takeHead());
    if (this.state.s === 'until-close') this.sink({ kind: 'end' });
    this.state = { s: 'junk' };
  }

  push(bytes: Buffer): void {
    let at = 0;
    while (at < bytes.length) at = this.step(bytes, at);
  }

  private step(bytes: Buffer, at: number): number {
    const st = this.state;
    switch (st.s) {
      case 'head':
        return this.readHead(bytes, at);
      case 'length':
      case 'chunk-data': {
        const n = Math.min(st.left, bytes.length - at);
        this.sink({ kind: 'body', bytes: bytes.subarray(at, at + n) });
        st.left -= n;
        if (st.left === 0) this.state = st.s === 'length' ? this.messageEnd() : { s: 'chunk-crlf', left: 2 };
        return at + n;
      }
      case 'chunk-crlf': {
        const n = Math.min(st.left, bytes.length - at);
        this.sink({ kind: 'chunk-meta', bytes: bytes.subarray(at, at + n) });
        st.left -= n;
        if (st.left === 0) this.state = { s: 'chunk-line', line: '' };
        return at + n;
      }
      case 'chunk-line':
      case 'trailers':
        return this.readLine(st, bytes, at);
      case 'until-close':
        this.sink({ kind: 'body', bytes: bytes.subarray(at) });
        return bytes.length;
      case 'tunnel':
        this.sink({ kind: 'tunnel', bytes: bytes.subarray(at) });
        return bytes.length;
      case 'junk':
        this.emitJunk(bytes.subarray(at));
        return bytes.length;
    }
  }

  private readHead(bytes: Buffer, at: number): number {
    const searchFrom = Math.max(0, this.headBuf.length - 3);
    this.headBuf = Buffer.concat([this.headBuf, bytes.subarray(at)]);
    const end = this.headBuf.indexOf(HEAD_END, searchFrom);
    if (end < 0) {
      if (this.headBuf.length > MAX_HEAD_BYTES) this.toJunk(this.takeHead());
      return bytes.length;
    }
    const headBytes = this.headBuf.subarray(0, end + 4);
    const consumed = bytes.length - (this.headBuf.length - headBytes.length);
    this.headBuf = Buffer.alloc(0);
    const head = parseHead(headBytes.toString('latin1'));
    if (!head) {
      this.toJunk(headBytes);
      return consumed;
    }
    const request = head.status !== undefined ? this.nextRequestFor(head) : undefined;
    this.sink({ kind: 'head', bytes: headBytes, head, request });
    this.state = this.bodyState(head, request);
    if (this.state.s === 'head' && !(head.status !== undefined && head.status < 200)) this.sink({ kind: 'end' });
    return consumed;
  }

  private nextRequestFor(response: HttpHead): HttpHead | undefined {
    return response.status! >= 200 || response.status === 101 ? this.nextRequest() : undefined;
  }

  private bodyState(head: HttpHead, request: HttpHead | undefined): State {
    if (head.status === 101) {
      this.onUpgrade();
      return { s: 'tunnel' };
    }
    if (head.status !== undefined) {
      if (head.status < 200 || head.status === 204 || head.status === 304 || request?.method === 'HEAD')
        return { s: 'head' };
    }
    if (headerIs(head, 'transfer-encoding', 'chunked')) return { s: 'chunk-line', line: '' };
    const length = head.headers.get('content-length');
    if (length !== undefined) {
      const n = Number(length);
      if (!Number.isSafeInteger(n) || n < 0) return { s: 'junk' };
      return n === 0 ? { s: 'head' } : { s: 'length', left: n };
    }
    return head.status !== undefined ? { s: 'until-close' } : { s: 'head' };
  }

  private readLine(st: { s: 'chunk-line' | 'trailers'; line: string }, bytes: Buffer, at: number): number {
    const nl = bytes.indexOf(0x0a, at);
    const stop = nl < 0 ? bytes.length : nl + 1;
    this.sink({ kind: 'chunk-meta', bytes: bytes.subarray(at, stop) });
    st.line += bytes.toString('latin1', at, stop);
    if (st.line.length > MAX_CHUNK_LINE) this.state = { s: 'junk' };
    else if (nl >= 0) this.lineDone(st);
    return stop;
  }

  private lineDone(st: { s: 'chunk-line' | 'trailers'; line: string }): void {
    const line = st.line.replace(/\r?\n$/, '');
    if (st.s === 'trailers') {
      this.state = line === '' ? this.messageEnd() : { s: 'trailers', line: '' };
      return;
    }
    const size = parseInt(line.split(';')[0].trim(), 16);
    if (!Number.isSafeInteger(size) || size < 0 || !/^[0-9a-fA-F]+$/.test(line.split(';')[0].trim()))
      this.state = { s: 'junk' };
    else this.state = size === 0 ? { s: 'trailers', line: '' } : { s: 'chunk-data', left: size };
  }

  private messageEnd(): State {
    this.sink({ kind: 'end' });
    return { s: 'head' };
  }

  private takeHead(): Buffer {
    const held = this.headBuf;
    this.headBuf = Buffer.alloc(0);
    return held;
  }

  private toJunk(bytes: Buffer): void {
    this.state = { s: 'junk' };
    this.emitJunk(bytes);
  }

  private emitJunk(bytes: Buffer): void {
    if (bytes.length > 0) this.sink({ kind: 'junk', bytes });
  }
}

export interface HttpConnection {
  request: Http1Tokenizer; // client → server bytes
  response: Http1Tokenizer; // server → client bytes
}

/** Pairs both sides: responses learn the request they answer; a 101 switches both sides to tunnel. */
export function createHttpConnection(onRequest: TokenSink, onResponse: TokenSink): HttpConnection {
  const pending: HttpHead[] = [];
  const request = new Http1Tokenizer((token) => {
    if (token.kind === 'head') pending.push(token.head);
    onRequest(token);
  });
  const response = new Http1Tokenizer(
    onResponse,
    () => pending.shift(),
    () => request.switchToTunnel(),
  );
  return { request, response };
}
