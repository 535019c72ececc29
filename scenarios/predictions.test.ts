import { describe, expect, it } from 'vitest';
import { cycleStats } from './predictions.js';

describe('cycleStats', () => {
  it('equal cycles: the wait spread is half the cycle', () => {
    expect(cycleStats([800, 800, 800, 800])).toEqual({ requestCycleMs: 800, requestWaitSpreadMs: 400 });
  });

  it('a few long cycles widen the wait spread beyond half the median cycle', () => {
    const stats = cycleStats([800, 800, 800, 800, 800, 800, 800, 1600])!;
    expect(stats.requestCycleMs).toBe(800);
    // P(wait ≤ w) = Σ min(w, Cᵢ) / 7200 = 8w / 7200 below 800 ms: p25 = 225 ms, p75 = 675 ms.
    expect(stats.requestWaitSpreadMs).toBeCloseTo(450, 1);
  });

  it('needs three cycles', () => {
    expect(cycleStats([800, 810])).toBeNull();
  });
});
