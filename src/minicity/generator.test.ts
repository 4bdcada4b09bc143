import { describe, it, expect } from 'vitest';
import { generateScene, generateSet, setSample, generateBenchmark, type Scene } from './generator.js';
import { deriveSeed } from '../util/rng.js';
import { STYLE_SRC, SCENE_SRC, SCENE_TGT, type StyleParams } from './params.js';
import { targetStyle } from './target.js';
import { TRAIN_ID, MINICITY_TRAIN_IDS } from './classes.js';
import type { SceneObject } from './layout.js';

const src = { scene: SCENE_SRC, style: STYLE_SRC };
const SEEDS = Array.from({ length: 12 }, (_, i) => 1000 + i);

const covered = (objs: SceneObject[], x: number, y: number) =>
  objs.some((o) => x + 0.5 >= o.bbox[0] - 1e-9 && x + 0.5 < o.bbox[2] && y + 0.5 >= o.bbox[1] && y + 0.5 < o.bbox[3]);

/** Mean RGB (0–255) of the pixels with a given label. */
function classMean(s: Scene, id: number): [number, number, number] | null {
  const m = [0, 0, 0];
  let n = 0;
  for (let i = 0; i < s.label.length; i++) {
    if (s.label[i] !== id) continue;
    for (let c = 0; c < 3; c++) m[c] += s.image[3 * i + c];
    n++;
  }
  return n ? [m[0] / n, m[1] / n, m[2] / n] : null;
}

describe('generateScene', () => {
  it('is deterministic per seed and different across seeds', () => {
    const a = generateScene(42, { scene: SCENE_TGT, style: targetStyle(0.6) });
    const b = generateScene(42, { scene: SCENE_TGT, style: targetStyle(0.6) });
    const c = generateScene(43, { scene: SCENE_TGT, style: targetStyle(0.6) });
    expect(a.width * a.height).toBe(128 * 64);
    expect(a.image.length).toBe(128 * 64 * 3);
    expect(Buffer.from(a.image).equals(Buffer.from(b.image))).toBe(true);
    expect(Buffer.from(a.label).equals(Buffer.from(b.label))).toBe(true);
    expect(Buffer.from(a.image).equals(Buffer.from(c.image))).toBe(false);
    expect(Buffer.from(a.label).equals(Buffer.from(c.label))).toBe(false);
  });

  it('draws only the nine classes, and the style never changes the labels', () => {
    const allowed = new Set(MINICITY_TRAIN_IDS);
    for (const seed of SEEDS.slice(0, 4)) {
      const s = generateScene(seed, src);
      const t = generateScene(seed, { scene: SCENE_SRC, style: targetStyle(1) });
      expect(new Set(s.label).size).toBeGreaterThan(4);
      for (const v of new Set(s.label)) expect(allowed.has(v)).toBe(true);
      expect(Buffer.from(t.label).equals(Buffer.from(s.label))).toBe(true);
      expect(Buffer.from(t.image).equals(Buffer.from(s.image))).toBe(false);
    }
  });

  it('labels the uncovered background by the sampled geometry: sky, road, sidewalk', () => {
    let checked = 0;
    for (const seed of SEEDS) {
      const { label, layout: L, width: W, height: H } = generateScene(seed, src);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          if (covered(L.objects, x, y)) continue;
          const cy = y + 0.5;
          const d = Math.abs(x + 0.5 - L.vx);
          const t = (cy - L.horizon) / (H - L.horizon);
          let want: number | undefined;
          if (cy < L.horizon) want = TRAIN_ID.sky;
          else if (d < L.roadHalf * t - 1e-6) want = TRAIN_ID.road;
          else if (d > L.roadHalf * t + 1e-6 && d < (L.roadHalf + L.sidewalk) * t - 1e-6) want = TRAIN_ID.sidewalk;
          if (want === undefined) continue;
          expect(label[y * W + x], `seed ${seed} (${x},${y})`).toBe(want);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(SEEDS.length * 2000);
  });

  it('paints each car in its own colour exactly where it is labelled car', () => {
    // A flat style (no saturation change, no jitter, no effects): a car's body is painted in
    // clamp(palette.car + objJitter·u), computed here from the layout's draws.
    const flat: StyleParams = { ...STYLE_SRC, sat: 1, instJitter: 0 };
    let cars = 0;
    for (const seed of SEEDS) {
      const s = generateScene(seed, { scene: SCENE_TGT, style: flat });
      const q = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
      for (const o of s.layout.objects.filter((ob) => ob.kind === 'car')) {
        const body = [0, 1, 2].map((c) => q(flat.palette.car[c] + flat.objJitter * o.u[c]));
        let n = 0;
        for (let i = 0; i < s.label.length; i++) {
          if (s.image[3 * i] !== body[0] || s.image[3 * i + 1] !== body[1] || s.image[3 * i + 2] !== body[2]) continue;
          const x = i % s.width;
          const y = Math.floor(i / s.width);
          expect(s.label[i], `seed ${seed}: car-coloured pixel (${x},${y})`).toBe(TRAIN_ID.car);
          expect(covered([o], x, y), `seed ${seed}: car colour outside its box at (${x},${y})`).toBe(true);
          n++;
        }
        if (n > 0) cars++;
      }
      // Conversely every car-labelled pixel lies inside some car's box.
      const boxes = s.layout.objects.filter((ob) => ob.kind === 'car');
      for (let i = 0; i < s.label.length; i++) {
        if (s.label[i] === TRAIN_ID.car) expect(covered(boxes, i % s.width, Math.floor(i / s.width))).toBe(true);
      }
    }
    expect(cars).toBeGreaterThan(SEEDS.length);
  });

  it('keeps class hues recognisable in both styles: blue sky, green vegetation, yellow signs', () => {
    for (const style of [STYLE_SRC, targetStyle(0.6)]) {
      const sky: number[][] = [];
      const veg: number[][] = [];
      const sign: number[][] = [];
      for (const seed of SEEDS) {
        const s = generateScene(seed, { scene: SCENE_SRC, style });
        for (const [arr, id] of [[sky, TRAIN_ID.sky], [veg, TRAIN_ID.vegetation], [sign, TRAIN_ID.trafficSign]] as const) {
          const m = classMean(s, id);
          if (m) arr.push(m);
        }
      }
      const avg = (a: number[][]) => [0, 1, 2].map((c) => a.reduce((t, v) => t + v[c], 0) / a.length);
      const [sr, , sb] = avg(sky);
      const [vr, vg, vb] = avg(veg);
      const [gr, gg, gb] = avg(sign);
      expect(sb - sr).toBeGreaterThan(25);
      expect(vg - Math.max(vr, vb)).toBeGreaterThan(15);
      expect(Math.min(gr, gg) - gb).toBeGreaterThan(40);
    }
  });

  it('makes the sky less blue and the image greyer as k grows', () => {
    // Per-pixel statistic averaged over 12 scenes, optionally over one class only.
    const mean = (style: StyleParams, f: (p: Uint8Array) => number, id?: number) => {
      let t = 0;
      let n = 0;
      for (const seed of SEEDS) {
        const s = generateScene(seed, { scene: SCENE_SRC, style });
        for (let i = 0; i < s.label.length; i++) {
          if (id !== undefined && s.label[i] !== id) continue;
          t += f(s.image.subarray(3 * i, 3 * i + 3));
          n++;
        }
      }
      return t / n;
    };
    const blueness = (p: Uint8Array) => p[2] - p[0];
    const chroma = (p: Uint8Array) => Math.max(p[0], p[1], p[2]) - Math.min(p[0], p[1], p[2]);
    const ks = [0, 0.3, 0.6, 1];
    const sky = ks.map((k) => mean(targetStyle(k), blueness, TRAIN_ID.sky));
    // The warm cast and the per-channel noise add chroma of their own; without them the
    // desaturation and the haze must grey the image steadily.
    const grey = ks.map((k) => mean({ ...targetStyle(k), noise: 0, cast: [1, 1, 1], castJit: 0 }, chroma));
    for (let i = 1; i < ks.length; i++) {
      expect(sky[i], `sky blueness at k=${ks[i]}`).toBeLessThan(sky[i - 1] - 5);
      expect(grey[i], `chroma at k=${ks[i]}`).toBeLessThan(grey[i - 1] - 5);
    }
  });

  it('adds texture, blur and noise only in the camera style', () => {
    // Mean |difference| between horizontal neighbours inside uniformly labelled runs: zero for a
    // flat "game" road, positive once texture and noise are on.
    const roughness = (style: StyleParams) => {
      let t = 0;
      let n = 0;
      for (const seed of SEEDS.slice(0, 4)) {
        const s = generateScene(seed, { scene: SCENE_SRC, style: { ...style, palette: { ...style.palette, laneMark: style.palette.road } } });
        for (let i = 1; i < s.label.length; i++) {
          if (i % s.width === 0 || s.label[i] !== TRAIN_ID.road || s.label[i - 1] !== TRAIN_ID.road) continue;
          t += Math.abs(s.image[3 * i + 1] - s.image[3 * i - 2]);
          n++;
        }
      }
      return t / n;
    };
    expect(roughness(STYLE_SRC)).toBe(0);
    expect(roughness(targetStyle(0.6))).toBeGreaterThan(1);
  });

  it('rejects bad sizes', () => {
    expect(() => generateScene(1, { ...src, width: 4 })).toThrow(/size must be integers >= 8/);
  });
});

describe('generateSet', () => {
  it('is deterministic, and image i is the scene of seed deriveSeed(seed, i)', () => {
    const a = generateSet({ count: 5, seed: 11, domain: 'target', k: 0.6 });
    const b = generateSet({ count: 5, seed: 11, domain: 'target', k: 0.6 });
    const c = generateSet({ count: 5, seed: 12, domain: 'target', k: 0.6 });
    expect(Buffer.from(a.images).equals(Buffer.from(b.images))).toBe(true);
    expect(Buffer.from(a.images).equals(Buffer.from(c.images))).toBe(false);
    const one = generateScene(deriveSeed(11, 3), { scene: a.scene, style: a.style });
    expect(Buffer.from(setSample(a, 3).image).equals(Buffer.from(one.image))).toBe(true);
    expect(Buffer.from(setSample(a, 3).label).equals(Buffer.from(one.label))).toBe(true);
    expect(a.labels.length).toBe(5 * 64 * 128);
  });

  it('a scene override reaches the drawing: no cars and no persons when their counts are 0', () => {
    const t = generateSet({
      count: 20, seed: 11, domain: 'target', targetStyleOverride: { scene: { cars: [0, 0], persons: [0, 0] } },
    });
    const ids = new Set(t.labels);
    expect(ids.has(TRAIN_ID.car) || ids.has(TRAIN_ID.person)).toBe(false);
    expect(ids.has(TRAIN_ID.road) && ids.has(TRAIN_ID.pole)).toBe(true);
  });

  it('reports progress once per scene', () => {
    const seen: string[] = [];
    generateSet({ count: 3, seed: 1, domain: 'source', onProgress: (d, n) => seen.push(`${d}/${n}`) });
    expect(seen).toEqual(['1/3', '2/3', '3/3']);
  });

  it('source ignores k; target applies k and the override', () => {
    const s = generateSet({ count: 1, seed: 1, domain: 'source', k: 0.9 });
    expect(s.k).toBe(0);
    expect(s.style).toEqual(STYLE_SRC);
    const t = generateSet({ count: 1, seed: 1, domain: 'target', k: 0.6, targetStyleOverride: { style: { noise: 0 } } });
    expect(t.style.noise).toBe(0);
    expect(t.style.sat).toBeCloseTo(0.87, 12);
    expect(() => generateSet({ count: -1, seed: 1, domain: 'source' })).toThrow(/count must be an integer >= 0/);
    expect(() => setSample(s, 1)).toThrow(/index 1 outside 0..0/);
  });

  it('the benchmark uses the prototype seeds and sizes', () => {
    const b = generateBenchmark({ trainCount: 2, valCount: 1 });
    expect([b.sourceTrain.seed, b.sourceVal.seed, b.targetTrain.seed, b.targetVal.seed]).toEqual([1, 2, 11, 12]);
    expect([b.sourceTrain.count, b.targetVal.count]).toEqual([2, 1]);
    expect(b.targetTrain.k).toBe(0.6);
  });
});
