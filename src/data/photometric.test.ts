import { describe, it, expect } from 'vitest';
import { NO_PHOTOMETRIC, photometric, photometricActive, type PhotometricOptions } from './photometric.js';
import { mulberry32 } from '../util/rng.js';
import { resolveConfig } from '../config/index.js';

const W = 24;
const H = 16;
const img = Uint8Array.from({ length: W * H * 3 }, (_, i) => 40 + ((i * 53 + ((i / 3) | 0) * 7) % 170));
const mean = (a: Uint8Array) => a.reduce((s, v) => s + v, 0) / a.length;

/** A uniform stream that counts its draws. */
function counted(seed: number): { rng: () => number; draws: () => number } {
  const r = mulberry32(seed);
  let n = 0;
  return { rng: () => { n++; return r(); }, draws: () => n };
}

describe('photometric augmentation', () => {
  it('with every knob 0 is the identity and draws nothing; the config default is off', () => {
    const c = counted(1);
    expect(photometric(img, W, H, NO_PHOTOMETRIC, c.rng)).toEqual(img);
    expect(c.draws()).toBe(0);
    expect(photometricActive(resolveConfig({}).data.augment)).toBe(false);
    expect(photometricActive({ ...NO_PHOTOMETRIC, blur: 2, blurProb: 0 })).toBe(false);
  });

  it('is deterministic under the seed and leaves its input alone', () => {
    const o: PhotometricOptions = { brightness: 0.4, contrast: 0.4, saturation: 0.5, colour: 0.15, gamma: 0.4, blur: 1.5, blurProb: 1, noise: 0.05 };
    const copy = img.slice();
    const a = photometric(img, W, H, o, mulberry32(5));
    expect(photometric(img, W, H, o, mulberry32(5))).toEqual(a);
    expect(photometric(img, W, H, o, mulberry32(6))).not.toEqual(a);
    expect(img).toEqual(copy);
  });

  it('each knob acts as documented', () => {
    const one = (o: Partial<PhotometricOptions>, seed = 3) => photometric(img, W, H, { ...NO_PHOTOMETRIC, ...o }, mulberry32(seed));
    // brightness: over seeds, both darker and brighter images occur
    const ms = [1, 2, 3, 4, 5, 6, 7, 8].map((s) => mean(one({ brightness: 0.5 }, s)) / mean(img));
    expect(Math.min(...ms)).toBeLessThan(0.95);
    expect(Math.max(...ms)).toBeGreaterThan(1.05);
    expect(Math.min(...ms)).toBeGreaterThanOrEqual(0.49);
    // saturation 1 at factor 0 would be grey: the chroma changes, the luma barely
    const sat = one({ saturation: 0.9 });
    expect(sat).not.toEqual(img);
    // blur lowers the pixel-to-pixel variation
    const tv = (a: Uint8Array) => { let s = 0; for (let i = 3; i < a.length; i++) s += Math.abs(a[i] - a[i - 3]); return s; };
    expect(tv(one({ blur: 2, blurProb: 1 }, 11))).toBeLessThan(0.7 * tv(img));
    // noise raises it on a flat image
    const flat = new Uint8Array(W * H * 3).fill(128);
    expect(tv(photometric(flat, W, H, { ...NO_PHOTOMETRIC, noise: 0.1 }, mulberry32(2)))).toBeGreaterThan(0);
    for (const k of ['contrast', 'colour', 'gamma'] as const) expect(one({ [k]: 0.5 }), k).not.toEqual(img);
  });

  it('the config validates its knobs', () => {
    expect(() => resolveConfig({ data: { augment: { brightness: 2 } } })).toThrow(/brightness/);
    expect(() => resolveConfig({ data: { augment: { hue: 0.1 } } })).toThrow(/hue/);
  });
});
