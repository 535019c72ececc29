/**
 * What the bench sends: plain text of the requested size, or (fixed-rate latency) text that starts
 * with its send time on the shared clock (scenarios/load/payload.ts `now()`), read back from the echo.
 */
export function filler(bytes: number): string {
  return 'x'.repeat(bytes);
}

export function stamped(sentAt: number, bytes: number): string {
  const head = `${sentAt.toFixed(3)} `;
  return head + filler(Math.max(0, bytes - head.length));
}

/** The send time of a stamped payload; null for anything else. */
export function readSentAt(data: unknown): number | null {
  if (typeof data !== 'string') return null;
  const space = data.indexOf(' ');
  const at = space > 0 ? Number(data.slice(0, space)) : NaN;
  return Number.isFinite(at) ? at : null;
}
