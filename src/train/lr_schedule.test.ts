import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fixturesDir, loadFixture } from '../../test/helpers/fixtures.js';
import { polyFactor, polyLr } from './lr_schedule.js';

describe('poly learning rate', () => {
  it('matches the reference poly factor (fixtures/reference/poly_lr.json)', () => {
    const f = loadFixture(join(fixturesDir('reference'), 'poly_lr.json'));
    const iters = f.inputs.iters as number[];
    const maxIter = f.inputs.maxIter as number;
    const want = (f.outputs as { factor: number[] }).factor;
    iters.forEach((it, i) => {
      expect(Math.abs(polyFactor(it, maxIter, 0.9) - want[i]) / want[i]).toBeLessThan(1e-12);
    });
  });

  it('runs over a horizon beyond the last update, so the LR stays above 0 (reference §4.9)', () => {
    const horizon = 30 * 372;
    const last = 28 * 372 - 1;
    const lr = polyLr(2.5e-4, last, horizon, 0.9);
    // (1 − 10415/11160)^0.9 · 2.5e-4, the LR of the last update, not 0
    expect(lr).toBeCloseTo(2.5e-4 * Math.exp(0.9 * Math.log(745 / 11160)), 15);
    expect(lr).toBeGreaterThan(2e-5);
    expect(polyLr(2.5e-4, 0, horizon)).toBe(2.5e-4);
  });

  it('applies the group multiplier and reaches 0 at the horizon', () => {
    expect(polyLr(0.01, 50, 100, 0.9, 10)).toBeCloseTo(0.1 * 0.5 ** 0.9, 15);
    expect(polyFactor(100, 100)).toBe(0);
    expect(polyFactor(3, 10, 1)).toBeCloseTo(0.7, 15);
  });

  it('rejects iterations outside [0, horizon]', () => {
    expect(() => polyFactor(11, 10)).toThrow(/iter 11, horizon 10/);
    expect(() => polyFactor(-1, 10)).toThrow(/PLCA|polyFactor/);
    expect(() => polyFactor(0, 0)).toThrow(/polyFactor/);
  });
});
