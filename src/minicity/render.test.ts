import { describe, it, expect } from 'vitest';
import { renderCanvas } from './render.js';
import { Rng } from '../util/rng.js';
import { STYLE_SRC, type StyleParams } from './params.js';
import { TRAIN_ID } from './classes.js';
import type { Canvas } from './paint.js';

const W = 32;
const H = 16;
/** Every effect off: sat 1, no texture/blur/noise/vignette, neutral tone. */
const NEUTRAL: StyleParams = { ...STYLE_SRC, sat: 1 };

function canvas(fill: (i: number) => number, label = TRAIN_ID.road): Canvas {
  const rgb = new Float32Array(W * H * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = fill(i);
  return { width: W, height: H, rgb, label: new Uint8Array(W * H).fill(label) };
}
const randomCanvas = (seed: number) => {
  const r = new Rng(seed);
  return canvas(() => 0.05 + 0.9 * r.next());
};
const q = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);

describe('renderCanvas', () => {
  it('is the identity (up to rounding) with every effect off, and then draws no random numbers', () => {
    const cv = randomCanvas(1);
    const want = Array.from(cv.rgb, q);
    const rng = new Rng(5);
    const before = JSON.stringify(rng.state());
    expect(Array.from(renderCanvas(cv, NEUTRAL, rng))).toEqual(want);
    expect(JSON.stringify(rng.state())).toBe(before);
  });

  it('applies saturation around the luma', () => {
    const cv = randomCanvas(2);
    const src = cv.rgb.slice();
    const out = renderCanvas(cv, { ...NEUTRAL, sat: 0 }, new Rng(0));
    for (let p = 0; p < W * H; p++) {
      const l = 0.299 * src[3 * p] + 0.587 * src[3 * p + 1] + 0.114 * src[3 * p + 2];
      for (let c = 0; c < 3; c++) expect(Math.abs(out[3 * p + c] - l * 255)).toBeLessThanOrEqual(0.51);
    }
  });

  it('applies contrast around the image mean, gamma, gain and cast', () => {
    const cv = randomCanvas(3);
    const src = cv.rgb.slice();
    const mean = src.reduce((a, b) => a + b, 0) / src.length;
    const style = { ...NEUTRAL, contrast: 0.7, gamma: 1.15, gain: 0.9, cast: [1.1, 1, 0.8] as [number, number, number] };
    const out = renderCanvas(cv, style, new Rng(0));
    let worst = 0;
    for (let i = 0; i < src.length; i++) {
      const v = Math.pow(mean + 0.7 * (src[i] - mean), 1.15) * 0.9 * style.cast[i % 3];
      worst = Math.max(worst, Math.abs(out[i] - v * 255));
    }
    expect(worst).toBeLessThanOrEqual(0.52);
  });

  it('vignettes: corners darkened by about 1 − vignette, the centre barely', () => {
    const out = renderCanvas(canvas(() => 0.8), { ...NEUTRAL, vignette: 0.4 }, new Rng(0));
    const at = (x: number, y: number) => out[3 * (y * W + x)];
    // Pixel-centre radius² of the corner pixel: ((W/2 − 0.5)/(W/2))² + ((H/2 − 0.5)/(H/2))².
    const r2 = ((W / 2 - 0.5) / (W / 2)) ** 2 + ((H / 2 - 0.5) / (H / 2)) ** 2;
    expect(Math.abs(at(0, 0) - 0.8 * (1 - 0.2 * r2) * 255)).toBeLessThanOrEqual(0.51);
    expect(at(W - 1, H - 1)).toBe(at(0, 0));
    expect(at(W / 2, H / 2)).toBeGreaterThanOrEqual(q(0.8 * 0.99));
  });

  it('blurs with a normalised Gaussian: an impulse spreads symmetrically and keeps its mass', () => {
    const idx = 3 * (8 * W + 16);
    const cv = canvas((i) => (i === idx ? 1 : 0));
    const sigma = 1;
    const k = [-3, -2, -1, 0, 1, 2, 3].map((i) => Math.exp(-(i * i) / 2));
    const k0 = 1 / k.reduce((a, b) => a + b, 0);
    const out = renderCanvas(cv, { ...NEUTRAL, blur: sigma, contrast: 1 }, new Rng(0));
    expect(out[idx]).toBe(q(k0 * k0));
    expect(out[idx - 3]).toBe(out[idx + 3]);
    expect(out[idx - 3 * W]).toBe(out[idx + 3 * W]);
    let mass = 0;
    for (let i = 0; i < out.length; i += 3) mass += out[i];
    expect(Math.abs(mass / 255 - 1)).toBeLessThan(0.05);
  });

  it('adds noise of the asked σ', () => {
    const out = renderCanvas(canvas(() => 0.5), { ...NEUTRAL, noise: 0.04 }, new Rng(7));
    let s = 0;
    let s2 = 0;
    for (const v of out) {
      s += v / 255 - 0.5;
      s2 += (v / 255 - 0.5) ** 2;
    }
    expect(Math.abs(s / out.length)).toBeLessThan(0.004);
    expect(Math.sqrt(s2 / out.length)).toBeGreaterThan(0.036);
    expect(Math.sqrt(s2 / out.length)).toBeLessThan(0.044);
  });

  it('textures each class by its factor: a factor of 0 leaves the class flat', () => {
    const cv = canvas(() => 0.5);
    for (let p = 0; p < W * H / 2; p++) cv.label[p] = TRAIN_ID.sky;
    const style = { ...NEUTRAL, tex: 0.3, texFactors: { ...NEUTRAL.texFactors, sky: 0, road: 1 } };
    const out = renderCanvas(cv, style, new Rng(3));
    const top = new Set(out.subarray(0, (W * H * 3) / 2));
    const bottom = new Set(out.subarray((W * H * 3) / 2));
    expect([...top]).toEqual([q(0.5)]);
    expect(bottom.size).toBeGreaterThan(10);
  });
});
