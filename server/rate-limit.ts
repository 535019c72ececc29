/**
 * New sessions per client address: a token bucket per address (`burst` sessions at once, refilled at
 * `perSecond`). Buckets that have refilled completely are forgotten, so the map holds only addresses
 * that opened sessions recently. IPv6 addresses count per /64, the block one subscriber usually holds.
 */
import { isIPv6 } from 'node:net';

export interface RateLimit {
  burst: number;
  perSecond: number;
}

export class SessionRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limit: RateLimit) {}

  /** Takes one token for this address; false when its bucket is empty. */
  take(address: string | undefined, now = Date.now()): boolean {
    const key = addressKey(address);
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    return true;
  }

  /** Forgets buckets that are full again. */
  prune(now = Date.now()): void {
    const { burst, perSecond } = this.limit;
    for (const [key, bucket] of this.buckets)
      if (bucket.tokens + ((now - bucket.at) / 1000) * perSecond >= burst) this.buckets.delete(key);
  }

  get size(): number {
    return this.buckets.size;
  }
}

function addressKey(address: string | undefined): string {
  if (!address) return '';
  if (address.startsWith('::ffff:')) return address.slice(7);
  if (!isIPv6(address)) return address;
  const [head] = address.split('::');
  const groups = head.split(':');
  return address.includes('::') && groups.length < 4
    ? `${groups.join(':')}::/64`
    : `${groups.slice(0, 4).join(':')}::/64`;
}
