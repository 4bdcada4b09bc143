// Class statistics of 200-image samples against the prototype's val frequencies
// (docs/design/minicity-prototype.md §1, "Pixel frequency on val"). MiniCity is a re-implementation,
// not a copy, so the bands are wide; the source → target shifts must go the prototype's way.
import { describe, it, expect, beforeAll } from 'vitest';
import { generateSet, classFrequencies, MINICITY_DEFAULTS, type MiniCityClass } from '../../src/minicity/index.js';

const PROTOTYPE: Record<'source' | 'target', Record<MiniCityClass, number>> = {
  source: {
    road: 0.19, sidewalk: 0.08, building: 0.35, pole: 0.007, trafficSign: 0.004,
    vegetation: 0.1, sky: 0.18, person: 0.03, car: 0.05,
  },
  target: {
    road: 0.24, sidewalk: 0.07, building: 0.34, pole: 0.005, trafficSign: 0.002,
    vegetation: 0.16, sky: 0.11, person: 0.01, car: 0.06,
  },
};

describe('MiniCity class frequencies (200 val images per domain)', () => {
  let src: Record<MiniCityClass, number>;
  let tgt: Record<MiniCityClass, number>;
  beforeAll(() => {
    src = classFrequencies(generateSet({ count: 200, seed: MINICITY_DEFAULTS.seeds.sourceVal, domain: 'source' }));
    tgt = classFrequencies(generateSet({ count: 200, seed: MINICITY_DEFAULTS.seeds.targetVal, domain: 'target', k: 0.6 }));
  });

  it('are within ±40 % (+0.003) of the prototype in both domains', () => {
    for (const [name, got] of [['source', src], ['target', tgt]] as const) {
      for (const [cls, want] of Object.entries(PROTOTYPE[name])) {
        const f = got[cls as MiniCityClass];
        expect(Math.abs(f - want), `${name} ${cls}: ${f.toFixed(4)} vs prototype ${want}`).toBeLessThanOrEqual(0.4 * want + 0.003);
      }
      const total = Object.values(got).reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(1, 12);
    }
  });

  it('shift from source to target as in the prototype: more road and vegetation, less sky and fewer persons', () => {
    expect(tgt.road).toBeGreaterThan(src.road + 0.02);
    expect(tgt.vegetation).toBeGreaterThan(src.vegetation + 0.03);
    expect(tgt.sky).toBeLessThan(src.sky - 0.03);
    expect(tgt.person).toBeLessThan(src.person * 0.7);
  });
});
