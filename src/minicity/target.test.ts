import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  targetStyle, targetScene, domainParams, parseTargetOverride, lerpParams,
} from './target.js';
import { readTargetOverrideFile } from './target_file.js';
import { STYLE_SRC, STYLE_TGT_K1, SCENE_SRC, SCENE_TGT, styleParamsSchema, sceneParamsSchema } from './params.js';

/** Every number in a parameter record, keyed by its path. */
function leaves(o: unknown, path = ''): Map<string, number> {
  const out = new Map<string, number>();
  if (typeof o === 'number') out.set(path, o);
  else if (o && typeof o === 'object') {
    for (const [k, v] of Object.entries(o)) for (const [p, n] of leaves(v, `${path}.${k}`)) out.set(p, n);
  }
  return out;
}

describe('the gap knob k', () => {
  it('k = 0 is the source style and k = 1 the camera style', () => {
    expect(targetStyle(0)).toEqual(STYLE_SRC);
    const one = leaves(targetStyle(1));
    for (const [p, v] of leaves(STYLE_TGT_K1)) expect(one.get(p), p).toBeCloseTo(v, 12);
  });

  it('k = 0.6 gives the prototype\'s benchmark numbers (docs/design/minicity-prototype.md §5)', () => {
    const s = targetStyle(0.6);
    const want = {
      sat: 0.87, instJitter: 0.088, tex: 0.108, noise: 0.024, blur: 0.54, gain: 0.94, gainJit: 0.09,
      contrast: 0.85, gamma: 1.09, castJit: 0.036, vignette: 0.21, skyHaze: 0.39,
    };
    for (const [k, v] of Object.entries(want)) expect(s[k as keyof typeof want], k).toBeCloseTo(v, 10);
    expect(s.cast[0]).toBeCloseTo(1.072, 10);
    expect(s.cast[1]).toBeCloseTo(1.012, 10);
    expect(s.cast[2]).toBeCloseTo(0.892, 10);
  });

  it('moves every style parameter monotonically from source to target', () => {
    const ks = [0, 0.2, 0.4, 0.6, 0.8, 1];
    const series = ks.map((k) => leaves(targetStyle(k)));
    let moving = 0;
    for (const [p, src] of leaves(STYLE_SRC)) {
      const dir = Math.sign(leaves(STYLE_TGT_K1).get(p)! - src);
      if (dir !== 0) moving++;
      for (let i = 1; i < ks.length; i++) {
        const step = series[i].get(p)! - series[i - 1].get(p)!;
        expect(Math.sign(Math.round(step * 1e12)), p).toBe(dir);
      }
    }
    expect(moving).toBeGreaterThanOrEqual(15);
  });

  it('scene statistics: SCENE_TGT for the target by default, lerp with sceneK', () => {
    expect(targetScene()).toEqual(SCENE_TGT);
    expect(targetScene(0)).toEqual(SCENE_SRC);
    expect(targetScene(0.5).cars).toEqual([1.5, 6]);
    expect(domainParams('target', { k: 0.6 }).scene).toEqual(SCENE_TGT);
    expect(domainParams('source')).toEqual({ style: STYLE_SRC, scene: SCENE_SRC });
  });

  it('extrapolates past 1 but keeps bounded fields valid', () => {
    const s = targetStyle(3);
    expect(styleParamsSchema.safeParse(s).success).toBe(true);
    expect(s.sat).toBe(0);
    expect(() => targetStyle(-0.1)).toThrow(/gap k must be a finite number >= 0/);
    expect(sceneParamsSchema.safeParse(targetScene(2)).success).toBe(true);
  });

  it('lerpParams rejects mismatched structures', () => {
    expect(() => lerpParams({ a: 1 } as Record<string, number>, { b: 2 }, 0.5)).toThrow(/missing in target/);
  });
});

describe('target style overrides', () => {
  it('the defaults satisfy the schemas', () => {
    for (const s of [STYLE_SRC, STYLE_TGT_K1]) expect(styleParamsSchema.safeParse(s).success).toBe(true);
    for (const s of [SCENE_SRC, SCENE_TGT]) expect(sceneParamsSchema.safeParse(s).success).toBe(true);
  });

  it('overrides any field of the resolved target, nested records partially', () => {
    const base = domainParams('target', { k: 0.6 });
    const o = domainParams('target', {
      k: 0.6,
      override: { style: { blur: 2, palette: { skyTop: [0.1, 0.2, 0.3] } }, scene: { cars: [0, 0] } },
    });
    expect(o.style.blur).toBe(2);
    expect(o.style.palette.skyTop).toEqual([0.1, 0.2, 0.3]);
    expect(o.style.palette.road).toEqual(base.style.palette.road);
    expect(o.style.sat).toBe(base.style.sat);
    expect(o.scene.cars).toEqual([0, 0]);
    expect(o.scene.persons).toEqual(base.scene.persons);
  });

  it('names unknown keys and wrong types', () => {
    expect(() => parseTargetOverride({ style: { blurr: 1 } }, 'x.json')).toThrow(/x\.json.*style: unknown key\(s\) "blurr"/);
    expect(() => parseTargetOverride({ colour: {} }, 'x.json')).toThrow(/unknown key\(s\) "colour"/);
    expect(() => parseTargetOverride({ style: { sat: 'high' } }, 'x.json')).toThrow(/style\.sat: .*expected number/);
    expect(() => parseTargetOverride({ scene: { cars: [5, 1] } })).toThrow(/scene\.cars: range must be \[lo, hi\]/);
    expect(() => parseTargetOverride({ style: { palette: { sky: [1, 1, 1] } } })).toThrow(/style\.palette: unknown key\(s\) "sky"/);
    expect(() => domainParams('source', { override: {} })).toThrow(/target domain only/);
    expect(() => parseTargetOverride({ style: { vignette: 2 } })).toThrow(
      expect.objectContaining({ code: 'PLCA_CONFIG_INVALID', message: expect.stringMatching(/style\.vignette/) }),
    );
  });

  it('reads a JSON file and reports missing or broken files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'minicity-style-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ style: { noise: 0.1 } }));
    expect(readTargetOverrideFile(good)).toEqual({ style: { noise: 0.1 } });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "style": ');
    expect(() => readTargetOverrideFile(bad)).toThrow(/bad\.json is not valid JSON/);
    expect(() => readTargetOverrideFile(join(dir, 'nope.json'))).toThrow(/not found: .*nope\.json/);
    expect(() => readTargetOverrideFile(dir)).toThrow(/is not a file/);
  });
});
