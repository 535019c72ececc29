/**
 * Server-Sent Events downstream: one `text/event-stream` response per connection, one event per
 * envelope, the events of one tick in one write. Binary travels as base64 (kind `B`); text containing
 * CR is sent as a JSON string, because SSE treats CR as a line break. Upstream is HTTP POST (the router's).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encode, type Envelope } from '../../protocol/index.js';
import { ServerConnection, type TransportFactory } from '../transport.js';

/** One SSE event. `data:` without the optional space: the envelope never starts with one. */
export function sseEvent(text: string): string {
  return text.includes('\n') ? `data:${text.split('\n').join('\ndata:')}\n\n` : `data:${text}\n\n`;
}

function sseSafe(envelope: Envelope): Envelope {
  if (envelope.type === 'data' && envelope.kind === 't' && envelope.body.includes('\r')) {
    return { ...envelope, kind: 'j', body: JSON.stringify(envelope.body) };
  }
  if (envelope.type === 'close') return { ...envelope, reason: envelope.reason.replace(/[\r\n]/g, ' ') };
  return envelope;
}

export class SseConnection extends ServerConnection {
  readonly transport = 'sse' as const;
  /** Events written in this tick, sent together at its end. */
  private out = '';

  constructor(
    req: IncomingMessage,
    private readonly res: ServerResponse,
    cors: Record<string, string>,
  ) {
    super();
    req.socket.setNoDelay(true);
    // The stream owns its connection until it ends, so its body can be close-delimited: no
    // chunked-encoding size line and CRLF around every event (HTTP/1.1 §6.3, rule 7).
    res.useChunkedEncodingByDefault = false;
    res.writeHead(200, {
      ...cors,
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no', // nginx: do not buffer this response
      Connection: 'close',
    });
    // The head goes out now, on its own: written once, it is kept as one flat string instead of the
    // tree of pieces Node built it from (~0.8 KB per idle stream).
    res.flushHeaders();
    res.on('close', () => this.lost());
  }

  get bufferedAmount(): number {
    return this.res.writableLength + this.out.length;
  }

  protected deliver(envelope: Envelope): void {
    if (this.out.length === 0) process.nextTick(SseConnection.flush, this);
    this.out += sseEvent(encode(sseSafe(envelope), false) as string);
  }

  private static flush(connection: SseConnection): void {
    const events = connection.out;
    if (events.length === 0 || !connection.isOpen) return;
    connection.out = '';
    connection.res.write(events, connection.trackWrite());
  }

  protected terminate(code: number, reason: string): void {
    const events = this.out + sseEvent(encode(sseSafe({ type: 'close', code, reason }), false) as string);
    this.out = '';
    this.res.end(events, this.trackWrite());
  }

  protected destroy(): void {
    this.res.destroy();
  }
}

/** A GET opens (or resumes, or probes) a session on a new event stream, once the server admits it. */
export const sse: TransportFactory = (host) => ({
  async get(req, res, query) {
    const admission = await host.admit(req, query, 'sse');
    if (res.destroyed) return; // the client left while it was being admitted
    host.open(admission, () => new SseConnection(req, res, host.corsHeaders(req)));
  },
});
