import { describe, expect, it } from 'vitest';
import { detectCollapse, type CurvePoint } from './collapse.js';

const curve = (covers: number[]): CurvePoint[] =>
  covers.map((c, i) => ({ step: i + 1, loss: 1, terms: {}, diagnostics: { 'fass.coverRatio': c } }));
const spread = [0.3, 0.2, 0.2, 0.1, 0.1, 0.05, 0.03, 0.02, 0, 0];

describe('detectCollapse', () => {
  it('is healthy when the cover ratio stays up and many classes are predicted', () => {
    const r = detectCollapse(curve(Array(30).fill(0.45)), spread);
    expect(r).toMatchObject({ collapsed: false, reasons: [], classesPredicted: 8 });
    expect(r.minCoverRatio).toBeCloseTo(0.45, 9);
  });

  it('flags a cover ratio that falls below 0.1 over a 10-step window, not a single dip', () => {
    const dip = Array(30).fill(0.45);
    dip[12] = 0.01;
    expect(detectCollapse(curve(dip), spread).collapsed).toBe(false);
    const falling = [...Array(10).fill(0.5), ...Array(20).fill(0.05)];
    const r = detectCollapse(curve(falling), spread);
    expect(r.collapsed).toBe(true);
    expect(r.reasons[0]).toMatch(/cover ratio fell to 0\.050/);
    expect(r.initialCoverRatio).toBeCloseTo(0.5, 9);
  });

  it('flags predictions that use only one or two classes, without any association', () => {
    const r = detectCollapse([], [0.7, 0.297, 0.003, 0, 0, 0, 0, 0, 0]);
    expect(r.collapsed).toBe(true);
    expect(r.minCoverRatio).toBeNull();
    expect(r.reasons).toEqual(['target predictions use only 2 classes (≥ 0.5 % of pixels each)']);
    expect(detectCollapse([], [0.5, 0.3, 0.2, 0, 0, 0, 0, 0, 0]).collapsed).toBe(false);
  });
});
