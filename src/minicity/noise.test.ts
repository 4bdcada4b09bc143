import { describe, it, expect } from 'vitest';
import { inverseNormalCdf, normalQuantileTable, addGaussianNoise, valueNoise } from './noise.js';
import { Rng } from '../util/rng.js';

describe('Gaussian noise', () => {
  it('inverts the normal CDF (tabulated quantiles)', () => {
    // Standard normal quantiles from statistical tables.
    const known: [number, number][] = [[0.5, 0], [0.975, 1.959963985], [0.8413447461, 1], [0.001, -3.090232306], [0.99999, 4.264890794]];
    for (const [p, z] of known) expect(inverseNormalCdf(p)).toBeCloseTo(z, 6);
  });

  it('has a standard-normal quantile table and adds N(0, σ²)', () => {
    const t = normalQuantileTable();
    let m = 0;
    let v = 0;
    for (const x of t) m += x;
    m /= t.length;
    for (const x of t) v += (x - m) ** 2;
    expect(Math.abs(m)).toBeLessThan(1e-6);
    expect(v / t.length).toBeCloseTo(1, 3);
    const d = new Float32Array(100_001).fill(1);
    addGaussianNoise(d, 0.05, new Rng(4));
    let s = 0;
    let s2 = 0;
    for (const x of d) {
      s += x - 1;
      s2 += (x - 1) ** 2;
    }
    expect(Math.abs(s / d.length)).toBeLessThan(0.001);
    expect(Math.sqrt(s2 / d.length)).toBeCloseTo(0.05, 3);
    expect(d[d.length - 1]).not.toBe(1);
  });
});

describe('valueNoise', () => {
  it('is smooth, in [−1, 1], and deterministic per RNG state', () => {
    const a = valueNoise(40, 20, 5, new Rng(2));
    const b = valueNoise(40, 20, 5, new Rng(2));
    expect(a).toEqual(b);
    let maxStep = 0;
    for (let y = 0; y < 20; y++) for (let x = 1; x < 40; x++) maxStep = Math.max(maxStep, Math.abs(a[y * 40 + x] - a[y * 40 + x - 1]));
    expect(Math.max(...a)).toBeLessThanOrEqual(1);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-1);
    // Neighbouring lattice values differ by at most 2; smoothstep over 5 px keeps each step below 2·1.5/5.
    expect(maxStep).toBeLessThan(0.6);
    expect(Math.max(...a) - Math.min(...a)).toBeGreaterThan(0.5);
  });
});
