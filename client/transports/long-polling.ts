/**
 * Long-polling: one GET parked at a time, re-issued as soon as it is answered; every poll carries the
 * ack. The first poll has `open=1` so the server attaches a fresh connection (and sends a hello).
 * Upstream is HTTP POST.
 */
import { CloseCodes, decodeBatch, type Envelope, ErrorCodes, isErrorCode } from '../../protocol/index.js';
import { ClientTransport, codeOfStatus, type OpenParams, refusalCode } from '../transport.js';
import type { Upstream } from '../upstream.js';

export class LongPollingTransport extends ClientTransport {
  readonly name = 'long-polling' as const;
  private readonly abort = new AbortController();
  private upstream: Upstream | null = null;

  open(params: OpenParams): void {
    this.upstream = this.createUpstream();
    void this.pollLoop(params);
  }

  send(envelopes: readonly Envelope[]): void {
    if (this.isOpen) this.upstream?.send(envelopes);
  }

  protected shutdown(): void {
    this.abort.abort();
    this.upstream?.close();
  }

  private async pollLoop(first: OpenParams): Promise<void> {
    const { fetch } = this.settings.platform;
    let request = this.request('fetch', { ...first, open: true });
    let opening = true;
    while (this.isOpen) {
      let body: Uint8Array;
      try {
        // No `cache: 'no-store'`: answers say `Cache-Control: no-store`, and the option would add two request headers to every poll.
        const response = await fetch(request.url, { signal: this.abort.signal, headers: request.headers });
        body = new Uint8Array(await response.arrayBuffer());
        if (!response.ok) {
          const detail = new TextDecoder().decode(body).slice(0, 200);
          const code = refusalCode(detail) ?? codeOfStatus(response.status);
          return this.gone(`poll answered ${response.status}${detail ? ` ${detail}` : ''}`, {
            code,
            closeCode: isErrorCode(code) ? ErrorCodes[code].close : undefined,
          });
        }
      } catch (error) {
        return this.gone(`poll failed: ${(error as Error).message}`);
      }
      this.heard();
      let frames: Uint8Array[];
      try {
        frames = decodeBatch(body, Number.MAX_SAFE_INTEGER);
      } catch (error) {
        return this.gone(`bad batch from server: ${(error as Error).message}`, { closeCode: CloseCodes.BAD_DATA });
      }
      for (const frame of frames) this.receive(frame);
      // Data in the open answer is held until the client adopts this transport, a few promise hops
      // later: let that happen first, or the next poll's ack would leave it unacknowledged.
      if (opening) await new Promise((resolve) => setTimeout(resolve, 0));
      opening = false;
      request = this.request('fetch', {});
    }
  }
}
