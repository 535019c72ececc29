/**
 * Sends at a rate without drifting: every tick sends however many messages are due since the
 * pacer started (so a late timer catches up instead of lowering the rate). `setRate` re-bases the
 * schedule at the current time; `limit` stops it after that many messages.
 */
import { now } from './payload.js';

const MIN_INTERVAL_MS = 5;
const MAX_INTERVAL_MS = 250;

export class Pacer {
  private timer: NodeJS.Timeout | null = null;
  private baseAt = 0;
  private baseCount = 0;
  count = 0;

  constructor(
    private rate: number,
    private readonly send: () => void,
    private readonly limit = Infinity,
  ) {}

  /** Starts at `at` (shared clock), optionally offset by `phaseMs` so senders don't tick in step. */
  start(at = now(), phaseMs = 0): void {
    this.baseAt = at + phaseMs;
    this.baseCount = this.count;
    const interval = Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, 1000 / this.rate));
    this.timer = setInterval(() => this.tick(), interval);
    this.timer.unref?.();
  }

  setRate(rate: number): void {
    this.rate = rate;
    if (!this.timer) return;
    this.stop();
    this.start();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    const elapsed = now() - this.baseAt;
    if (elapsed < 0) return;
    const due = Math.min(this.limit, this.baseCount + Math.floor((elapsed * this.rate) / 1000) + 1);
    while (this.count < due) {
      this.count++;
      this.send();
    }
    if (this.count >= this.limit) this.stop();
  }
}
