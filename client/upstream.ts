/**
 * Upstream over HTTP POST, for transports with `upstream: 'post'`: one request in flight at a time; whatever is
 * queued meanwhile goes out together in the next one, split only where a batch would pass the
 * server's maxBatchBytes. The response body is the server's cumulative ack (`a<n>`).
 */
import {
  byteLength,
  encode,
  encodeBatch,
  type Envelope,
  ErrorCodes,
  type Frame,
  isErrorCode,
} from '../protocol/index.js';
import { codeOfStatus, type Ending, refusalCode } from './refusal.js';
import type { FetchResponse } from './fetch.js';

export interface UpstreamSink {
  post(body: Uint8Array<ArrayBuffer>, signal: AbortSignal): Promise<FetchResponse>;
  maxBatchBytes(): number;
  /** The server's answer to a POST (its cumulative ack, `a<n>`). */
  onResponse(text: string): void;
  onFailure(reason: string, ending?: Ending): void;
}

export class Upstream {
  private queue: Frame[] = [];
  private inFlight = false;
  private readonly abort = new AbortController();

  constructor(private readonly sink: UpstreamSink) {}

  send(envelopes: readonly Envelope[]): void {
    for (const envelope of envelopes) this.queue.push(encode(envelope));
    void this.pump();
  }

  close(): void {
    this.abort.abort();
    this.queue = [];
  }

  private takeBatch(): Frame[] {
    const limit = this.sink.maxBatchBytes();
    let size = 0;
    let count = 0;
    while (count < this.queue.length) {
      const next = byteLength(this.queue[count]) + 12; // + length prefix
      if (count > 0 && size + next > limit) break;
      size += next;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private async pump(): Promise<void> {
    if (this.inFlight || this.queue.length === 0 || this.abort.signal.aborted) return;
    this.inFlight = true;
    try {
      const response = await this.sink.post(encodeBatch(this.takeBatch()), this.abort.signal);
      const text = await response.text();
      if (!response.ok) {
        const code = refusalCode(text) ?? codeOfStatus(response.status);
        const closeCode = isErrorCode(code) ? ErrorCodes[code].close : undefined;
        return this.sink.onFailure(`POST answered ${response.status} ${code ?? 'HTTP_ERROR'}`, {
          code,
          closeCode,
          upload: true,
        });
      }
      this.sink.onResponse(text);
    } catch (error) {
      if (!this.abort.signal.aborted) this.sink.onFailure(`POST failed: ${(error as Error).message}`);
      return;
    } finally {
      this.inFlight = false;
    }
    void this.pump();
  }
}
