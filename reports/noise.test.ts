import { describe, expect, it } from 'vitest';
import { findMetric } from './metrics.js';
import { compareSpreads, describeInterval, medianInterval, pooledNoise, spreadOf } from './noise.js';

describe('the interval of a median over repeated runs', () => {
  it('is min–max with its true coverage below six runs, and reaches 95 % from six', () => {
    expect(medianInterval(1)).toEqual({ k: 1, coverage: 0 });
    expect(medianInterval(3)).toEqual({ k: 1, coverage: 0.75 });
    expect(medianInterval(5).coverage).toBeCloseTo(0.9375, 6);
    expect(medianInterval(6).coverage).toBeCloseTo(0.96875, 6);
    // 17 runs: the 5th smallest to the 5th largest still holds ≥ 95 % (P(Bin(17, ½) ≤ 4) ≈ 0.0245).
    expect(medianInterval(17).k).toBe(5);
    expect(medianInterval(17).coverage).toBeGreaterThanOrEqual(0.95);
    expect(describeInterval(3)).toBe('min–max of 3 runs (75 % coverage of the median)');
    expect(describeInterval(17)).toMatch(/^9\d(\.\d)? % interval of 17 runs$/);
  });

  it('reports the median and the order statistics', () => {
    expect(spreadOf([3, 1, 2])).toEqual({ n: 3, median: 2, low: 1, high: 3, coverage: 0.75 });
    expect(spreadOf([4, 1, 3, 2])).toMatchObject({ median: 2.5, low: 1, high: 4 });
    expect(spreadOf([])).toBeNull();
  });
});

describe('the noise rule', () => {
  const latency = findMetric('latency.p50')!;
  it('needs intervals apart, a gap beyond both spreads and the pooled spread, and beyond the floor', () => {
    const fast = spreadOf([10, 10.5, 11])!;
    const slow = spreadOf([20, 21, 22])!;
    expect(compareSpreads(latency, fast, slow)).toBe(-1);
    expect(compareSpreads(latency, slow, fast)).toBe(1);
    // Runs of this metric usually spread by 150 % of their median: a 2× gap is within that.
    expect(compareSpreads(latency, fast, slow, 1.5)).toBe(0);
    // Overlapping intervals: no claim, however far the medians.
    expect(compareSpreads(latency, spreadOf([10, 10.5, 25])!, slow)).toBe(0);
    // Sub-millisecond: below the 0.5 ms floor.
    expect(compareSpreads(latency, spreadOf([0.1])!, spreadOf([0.4])!)).toBe(0);
  });

  it('pools the typical relative spread of a metric: 1.5 × its 75th percentile', () => {
    const spreads = [spreadOf([9, 10, 11]), spreadOf([95, 100, 105]), spreadOf([1]), null, spreadOf([0.9, 1, 1.3])];
    // relative spreads 0.2, 0.1, 0.4 (one run and null left out): the 75th percentile is 0.4.
    expect(pooledNoise(spreads)).toBeCloseTo(0.6, 6);
    expect(pooledNoise([spreadOf([1]), null])).toBe(0);
  });
});
