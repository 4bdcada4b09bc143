import { describe, expect, it } from 'vitest';
import { polyLrFactor } from './poly_lr.js';

describe('polyLrFactor', () => {
  it('is (1 − iter/max)^power', () => {
    expect(polyLrFactor(0, 100)).toBe(1);
    expect(polyLrFactor(100, 100)).toBe(0);
    expect(polyLrFactor(50, 100)).toBeCloseTo(Math.exp(0.9 * Math.log(0.5)), 12);
    expect(polyLrFactor(50, 100, 2)).toBeCloseTo(0.25, 12);
  });
  it('rejects iterations outside the schedule, naming the value', () => {
    expect(() => polyLrFactor(101, 100)).toThrow(/iter must lie in \[0, 100\], got 101/);
    expect(() => polyLrFactor(0, 0)).toThrow(/maxIter must be positive, got 0/);
  });
});
