/**
 * Sends at a rate without drifting. Each message has a due time on the schedule (base + n / rate);
 * the pacer wakes at the next due time (at most every MIN_INTERVAL_MS: faster rates go out in small
 * bursts) and sends everything due by then, so a late wake-up catches up instead of lowering the rate.
 *
 * `send` gets the time the message counts as sent. A wake-up within TIMER_SLACK_MS of its target is
 * on time and the actual time is used: timers are about a millisecond coarse (libuv keeps time on a
 * millisecond loop clock, and the delay is rounded up), and that is the generator's, not the system's. A later wake-up (a stalled event loop, a saturated server) is
 * stamped target + slack, so everything past the slack shows in the measured latency instead of
 * hiding (no coordinated omission, as in wrk2). The 5 ms burst slots add nothing. `setRate` re-bases
 * the schedule at the current time, keeping this sender's phase; `limit` stops it after that many
 * messages.
 */
import { now } from './payload.js';

const MIN_INTERVAL_MS = 5;
const TIMER_SLACK_MS = 2;

export class Pacer {
  private timer: NodeJS.Timeout | null = null;
  private baseAt = 0;
  private baseCount = 0;
  private phaseMs = 0;
  count = 0;

  constructor(
    private rate: number,
    private readonly send: (plannedAt: number) => void,
    private readonly limit = Infinity,
  ) {}

  /** Starts at `at` (shared clock), optionally offset by `phaseMs` so senders don't tick in step. */
  start(at = now(), phaseMs = this.phaseMs): void {
    this.phaseMs = phaseMs;
    this.baseAt = at + phaseMs;
    this.baseCount = this.count;
    this.schedule(this.baseAt);
  }

  setRate(rate: number): void {
    this.rate = rate;
    if (!this.timer) return;
    this.stop();
    this.start();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Due time of the n-th message since the base (n from 0). */
  private dueAt(n: number): number {
    return this.baseAt + (n * 1000) / this.rate;
  }

  private schedule(target: number): void {
    this.timer = setTimeout(() => this.tick(target), Math.max(0, Math.ceil(target - now())));
    this.timer.unref?.();
  }

  /** `target`: when this wake-up was planned. Everything due by then goes out, stamped as above. */
  private tick(target: number): void {
    // A timer can fire before its target (it counts from the event loop's cached time, which lags
    // behind when the loop was busy): then nothing is due yet; wait for the rest.
    if (now() < target) return this.schedule(target);
    const plannedAt = Math.min(now(), target + TIMER_SLACK_MS);
    while (this.count < this.limit && this.dueAt(this.count - this.baseCount) <= target) {
      this.count++;
      this.send(plannedAt);
    }
    if (this.count >= this.limit) return this.stop();
    // Catch up at once if the wake-up came late; otherwise wait for the next due time.
    this.schedule(Math.max(this.dueAt(this.count - this.baseCount), target + MIN_INTERVAL_MS));
  }
}
