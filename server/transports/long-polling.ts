/**
 * Long-polling downstream: the client keeps one GET parked; the server answers it with a batch of
 * everything queued (or an empty body after pollTimeoutMs), and the client polls again at once.
 * Binary travels as binary. Upstream is HTTP POST (see upstream.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BATCH_CONTENT_TYPE, encode, encodeBatch, type Envelope, type Frame, TransportLabError } from '../../protocol/index.js';
import { corsHeaders, sendError } from '../http.js';
import { ServerConnection } from '../transport.js';

interface Queued {
  frame: Frame;
  /** The data envelope's seq; null for control frames. */
  seq: number | null;
}

interface ParkedPoll {
  req: IncomingMessage;
  res: ServerResponse;
  timer: ReturnType<typeof setTimeout>;
}

export class LongPollingConnection extends ServerConnection {
  readonly transport = 'long-polling' as const;
  private queue: Queued[] = [];
  /** Data frames of the last answer, kept until a poll's ack shows whether the client got them. */
  private lastAnswer: Queued[] = [];
  private queuedBytes = 0;
  private parked: ParkedPoll | null = null;
  private flushScheduled = false;
  private closing = false;

  constructor(private readonly pollTimeoutMs: number) {
    super();
  }

  get bufferedAmount(): number {
    return this.queuedBytes;
  }

  /**
   * Parks a poll. A second poll while one is parked is refused with 409 POLL_IN_PROGRESS. `ack` is
   * the poll's: when it falls short of the last answer, that answer died on the wire after it was
   * written (a browser resends the GET when the connection dies before any response byte), so its
   * data goes out again, ahead of anything queued since.
   */
  poll(req: IncomingMessage, res: ServerResponse, ack?: number): void {
    if (this.parked) return sendError(req, res, new TransportLabError('POLL_IN_PROGRESS'));
    if (ack !== undefined) {
      const lost = this.lastAnswer.filter((q) => q.seq !== null && q.seq > ack);
      this.queue.unshift(...lost);
      for (const q of lost) this.queuedBytes += frameBytes(q.frame);
    }
    this.lastAnswer = [];
    this.touch();
    const timer = setTimeout(() => this.flush(), this.pollTimeoutMs);
    this.parked = { req, res, timer };
    res.on('close', () => {
      if (this.parked?.res !== res) return;
      clearTimeout(timer);
      this.parked = null;
      if (!res.writableEnded) this.lost(); // the client went away with a poll parked
    });
    if (this.queue.length > 0) this.scheduleFlush();
  }

  protected deliver(envelopes: readonly Envelope[]): void {
    for (const envelope of envelopes) {
      const frame = encode(envelope);
      this.queue.push({ frame, seq: envelope.type === 'data' ? envelope.seq : null });
      this.queuedBytes += frameBytes(frame);
    }
    if (this.parked) this.scheduleFlush();
  }

  protected terminate(code: number, reason: string): void {
    this.closing = true;
    this.queue.push({ frame: encode({ type: 'close', code, reason }), seq: null });
    if (this.parked) this.flush();
  }

  /** Everything sent in the same tick goes out in one response. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const poll = this.parked;
    if (!poll) return;
    clearTimeout(poll.timer);
    this.parked = null;
    const body = encodeBatch(this.queue.map((q) => q.frame));
    this.lastAnswer = this.queue.filter((q) => q.seq !== null);
    this.queue = [];
    this.queuedBytes = 0;
    this.lastOutboundAt = Date.now();
    poll.res.writeHead(200, {
      ...corsHeaders(poll.req),
      'Content-Type': BATCH_CONTENT_TYPE,
      'Content-Length': body.byteLength,
      'Cache-Control': 'no-store',
      ...(this.closing ? { Connection: 'close' } : {}),
    });
    poll.res.end(body);
  }
}

const frameBytes = (frame: Frame) => (typeof frame === 'string' ? frame.length : frame.byteLength);
