/**
 * One direction of an emulated link: a token bucket (bandwidth cap) followed by a delay line with
 * jitter. Bytes leave in the order they came in: a chunk is released at
 *   max(previous release, time it finished "transmitting" + delay ± jitter)
 * so jitter stretches gaps but never reorders a TCP stream.
 *
 * The bucket can be shared: one client's connections (its SSE stream and its POSTs, a browser's
 * several connections) go through one radio, so they queue behind each other for the same capacity
 * (proxy.ts gives each client one bucket per direction). `holdUntil` delays a new connection's first
 * bytes: nothing counts as sent before the TCP handshake has completed (proxy.ts).
 */
import { performance } from 'node:perf_hooks';

export interface LinkParams {
  delayMs: number;
  jitterMs: number;
  /** Kilobits per second (1 kbit = 1000 bits); null = uncapped. Ignored when `bucket` is given. */
  rateKbps?: number | null;
  /** A bandwidth cap shared with other links (createBucket); overrides rateKbps. */
  bucket?: TokenBucket | null;
  /** performance.now() time before which nothing counts as sent (a connection's TCP handshake). */
  holdUntil?: number;
}

export interface Link {
  /** Queues bytes for delivery. */
  send(bytes: Buffer): void;
  /** Calls `onEnd` once everything queued so far has been delivered. */
  end(): void;
  /** Bytes accepted but not yet delivered (still "in the network"). */
  readonly queuedBytes: number;
  /** Drops everything queued and stops the timer; nothing more is delivered. */
  destroy(): void;
}

export interface LinkSinks {
  deliver(bytes: Buffer): void;
  onEnd(): void;
  /** Called after a batch of deliveries, so the caller can re-check backpressure. */
  onFlush?(): void;
}

/** Token bucket depth: what may leave back to back at line rate after an idle period. */
const BURST_BYTES = 16 * 1024;
/** Large chunks are split so a capped link releases them progressively, like packets. */
const SLICE_BYTES = 16 * 1024;

/** A bandwidth cap: bytes handed to it finish leaving in the order they came, at its rate. */
export interface TokenBucket {
  readonly rateKbps: number;
  /** When `size` bytes handed over at `now` (performance.now()) have finished leaving. */
  finish(size: number, now: number): number;
}

export function createBucket(rateKbps: number): TokenBucket {
  const bytesPerMs = rateKbps / 8;
  let tokens = BURST_BYTES;
  let tokensAt = performance.now();
  return {
    rateKbps,
    finish(size, now) {
      tokens = Math.min(BURST_BYTES, tokens + (now - tokensAt) * bytesPerMs);
      tokensAt = now;
      tokens -= size; // debt: the bytes finish leaving when the bucket is back to zero
      return tokens < 0 ? now + -tokens / bytesPerMs : now;
    },
  };
}

type Item = { at: number; bytes: Buffer | null }; // null marks the end of the stream

export function createLink(params: LinkParams, sinks: LinkSinks, random: () => number = Math.random): Link {
  const bucket =
    params.bucket ?? (params.rateKbps === null || params.rateKbps === undefined ? null : createBucket(params.rateKbps));
  const holdUntil = params.holdUntil ?? 0;
  const queue: Item[] = [];
  let queued = 0;
  let lastRelease = 0;
  let timer: NodeJS.Timeout | null = null;
  let ended = false;
  let destroyed = false;

  function releaseTime(size: number, now: number): number {
    const from = Math.max(now, holdUntil);
    const sentAt = bucket ? bucket.finish(size, from) : from;
    const jitter = params.jitterMs > 0 ? (random() * 2 - 1) * params.jitterMs : 0;
    lastRelease = Math.max(lastRelease, sentAt + Math.max(0, params.delayMs + jitter));
    return lastRelease;
  }

  function flush(): void {
    timer = null;
    const now = performance.now();
    while (!destroyed && queue.length > 0 && queue[0].at <= now + 0.5) {
      const item = queue.shift()!;
      if (item.bytes === null) sinks.onEnd();
      else {
        queued -= item.bytes.length;
        sinks.deliver(item.bytes);
      }
    }
    if (!destroyed) sinks.onFlush?.();
    schedule();
  }

  function schedule(): void {
    if (timer || destroyed || queue.length === 0) return;
    timer = setTimeout(flush, Math.max(0, queue[0].at - performance.now()));
  }

  function enqueue(bytes: Buffer | null, size: number): void {
    const now = performance.now();
    const at = releaseTime(size, now);
    if (queue.length === 0 && at <= now) {
      if (bytes === null) sinks.onEnd();
      else sinks.deliver(bytes);
      return;
    }
    queue.push({ at, bytes });
    if (bytes) queued += bytes.length;
    schedule();
  }

  return {
    send(bytes) {
      if (destroyed || ended) return;
      const slice = bucket === null ? bytes.length : SLICE_BYTES;
      for (let at = 0; at < bytes.length; at += slice)
        enqueue(bytes.subarray(at, at + slice), Math.min(slice, bytes.length - at));
    },
    end() {
      if (destroyed || ended) return;
      ended = true;
      enqueue(null, 0);
    },
    get queuedBytes() {
      return queued;
    },
    destroy() {
      destroyed = true;
      queue.length = 0;
      queued = 0;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
