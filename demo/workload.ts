/**
 * The compare mode's workload: the same on every lane, whatever carries it. Shared by the demo
 * server (hub.ts) and the page.
 *
 *   page → server   {type:'workload', tickHz, size, binary}   start this connection's ticker (0 stops it);
 *                                                             it also leaves the demo's 10 Hz ticker
 *   server → page   tick, ~tickHz per second                  n counts up by 1; t = server Date.now()
 *   page → server   echo, chatHz per second                   t = page performance.now()
 *   server → page   the echo, unchanged, to its sender only   round trip = now − t
 *
 * A tick or echo is `size` bytes of application data: JSON {type:'tick'|'echo', n, t, pad} padded
 * to `size`, or with `binary` bytes: kind (1 tick, 2 echo), n (uint32), t (float64), zeros.
 */
export interface Workload {
  tickHz: number;
  chatHz: number;
  size: number;
  binary: boolean;
}

export const WORKLOAD_LIMITS = { tickHz: [0, 50], chatHz: [0, 20], size: [16, 65_536] } as const;

export interface WorkloadMessage {
  kind: 'tick' | 'echo';
  n: number;
  t: number;
}

/** A workload from untrusted input, or the reason it is refused. */
export function parseWorkload(raw: Record<string, unknown>): Workload | string {
  const out: Partial<Workload> = { binary: raw.binary === true };
  for (const key of ['tickHz', 'chatHz', 'size'] as const) {
    const [min, max] = WORKLOAD_LIMITS[key];
    const value = raw[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      return `${key} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`;
    out[key] = value;
  }
  return out as Workload;
}

const KIND_CODE = { tick: 1, echo: 2 } as const;
const HEADER = 13; // kind (1) + n (4) + t (8)

export function workloadMessage(
  m: WorkloadMessage,
  size: number,
  binary: boolean,
): Uint8Array | Record<string, unknown> {
  if (binary) {
    const bytes = new Uint8Array(Math.max(HEADER, size));
    const view = new DataView(bytes.buffer);
    view.setUint8(0, KIND_CODE[m.kind]);
    view.setUint32(1, m.n);
    view.setFloat64(5, m.t);
    return bytes;
  }
  const base = { type: m.kind, n: m.n, t: m.t, pad: '' };
  const length = JSON.stringify(base).length; // ASCII only: characters = bytes
  return { ...base, pad: 'x'.repeat(Math.max(0, size - length)) };
}

/** Reads a tick or echo (JSON object, or bytes as Uint8Array / ArrayBuffer); null for anything else. */
export function readWorkloadMessage(data: unknown): WorkloadMessage | null {
  if (data instanceof ArrayBuffer) data = new Uint8Array(data);
  if (data instanceof Uint8Array) {
    if (data.byteLength < HEADER) return null;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const kind = view.getUint8(0) === 1 ? 'tick' : view.getUint8(0) === 2 ? 'echo' : null;
    return kind && { kind, n: view.getUint32(1), t: view.getFloat64(5) };
  }
  const m = data as { type?: unknown; n?: unknown; t?: unknown } | null;
  if (!m || (m.type !== 'tick' && m.type !== 'echo') || typeof m.n !== 'number' || typeof m.t !== 'number') return null;
  return { kind: m.type, n: m.n, t: m.t };
}

/** Bytes of application data one workload message carries (what the page counts as payload). */
export function workloadBytes(data: unknown): number {
  if (data instanceof Uint8Array || data instanceof ArrayBuffer) return data.byteLength;
  return new TextEncoder().encode(JSON.stringify(data)).length;
}
