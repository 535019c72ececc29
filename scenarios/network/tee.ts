/** One ConnectionTap that hands every call to several (e.g. the wire meter and the wire inspector). */
import type { ConnectionTap } from './proxy.js';

export function teeTap(...taps: Array<ConnectionTap | undefined>): ConnectionTap {
  const all = taps.filter((t): t is ConnectionTap => t !== undefined);
  return {
    upstream: (bytes) => all.forEach((t) => t.upstream(bytes)),
    downstream: (bytes) => all.forEach((t) => t.downstream(bytes)),
    close: (how) => all.forEach((t) => t.close(how)),
  };
}
