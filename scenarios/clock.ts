/** The clock shared by the runner, the server process and every load process (ms since the epoch, fractional). */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
