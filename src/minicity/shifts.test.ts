import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SHIFT_NAMES, SHIFT_PRESETS, shiftPreset, resolveTargetStyle, looksLikeShiftName } from './shifts.js';
import { readTargetOverrideFile } from './target_file.js';
import { domainParams, parseTargetOverride } from './target.js';
import { generateSet } from './generator.js';
import { jpegArtefacts } from './jpeg.js';
import { generateMiniCitySet } from '../pipeline/minicity_data.js';
import { resolveConfig } from '../config/index.js';

const SHIFTS_DIR = join(import.meta.dirname, '../../configs/shifts');

/** Mean absolute byte difference of two images. */
function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

describe('shift presets', () => {
  it('has the issue\'s family, each a valid override, and configs/shifts/NAME.json holds the same', () => {
    expect(SHIFT_NAMES).toEqual([
      'camera', 'camera_dark', 'night', 'fog', 'overexposed', 'colour_cast', 'sensor', 'busy_streets', 'night_busy_sensor',
    ]);
    const files = readdirSync(SHIFTS_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
    expect(files).toEqual([...SHIFT_NAMES].sort());
    for (const name of SHIFT_NAMES) {
      expect(parseTargetOverride(SHIFT_PRESETS[name], name)).toEqual(SHIFT_PRESETS[name]);
      expect(readTargetOverrideFile(join(SHIFTS_DIR, `${name}.json`)), name).toEqual(shiftPreset(name));
    }
  });

  it('camera is the default target; every other preset renders differently from it and from the source', () => {
    const opts = { count: 4, seed: 5, height: 32, width: 64 };
    const source = generateSet({ ...opts, domain: 'source' });
    const camera = generateSet({ ...opts, domain: 'target', k: 0.6 });
    expect(Array.from(generateSet({ ...opts, domain: 'target', k: 0.6, targetStyleOverride: shiftPreset('camera') }).images))
      .toEqual(Array.from(camera.images));
    for (const name of SHIFT_NAMES.filter((n) => n !== 'camera')) {
      const set = generateSet({ ...opts, domain: 'target', k: 0.6, targetStyleOverride: shiftPreset(name) });
      // Scene-only presets change the layouts, so labels differ; style presets change the pixels.
      const changed = meanAbsDiff(set.images, camera.images) > 2 || meanAbsDiff(set.labels, camera.labels) > 0.5;
      expect(changed, name).toBe(true);
      expect(meanAbsDiff(set.images, source.images), name).toBeGreaterThan(5);
    }
  });

  it('night is darker than the camera, fog flatter, overexposed brighter; busy streets have more cars and persons', () => {
    const mean = (img: Uint8Array) => img.reduce((s, v) => s + v, 0) / img.length;
    const std = (img: Uint8Array) => { const m = mean(img); return Math.sqrt(img.reduce((s, v) => s + (v - m) ** 2, 0) / img.length); };
    const opts = { count: 6, seed: 9, height: 32, width: 64, domain: 'target' as const, k: 0.6 };
    const cam = generateSet(opts);
    const of = (n: string) => generateSet({ ...opts, targetStyleOverride: shiftPreset(n) });
    expect(mean(of('night').images)).toBeLessThan(0.6 * mean(cam.images));
    expect(std(of('fog').images)).toBeLessThan(0.7 * std(cam.images));
    expect(mean(of('overexposed').images)).toBeGreaterThan(1.3 * mean(cam.images));
    const p = domainParams('target', { override: shiftPreset('busy_streets') }).scene;
    const c = domainParams('target').scene;
    expect(p.cars[0]).toBeGreaterThan(c.cars[1] - 3);
    expect(p.persons[0]).toBeGreaterThan(c.persons[0]);
    expect(p.trees[1]).toBeLessThan(c.trees[1]);
  });

  it('an unknown name is an error listing the names; a path is not taken for a name', () => {
    expect(() => shiftPreset('nigth')).toThrow(/unknown target style "nigth": the shift presets are camera, camera_dark, night, fog/);
    expect(looksLikeShiftName('night')).toBe(true);
    expect(looksLikeShiftName('configs/shifts/night.json')).toBe(false);
    expect(looksLikeShiftName('night.json')).toBe(false);
    expect(resolveTargetStyle('fog')).toEqual(SHIFT_PRESETS.fog);
    expect(() => resolveTargetStyle('x/y.json')).toThrow(/is a file, and files cannot be read here/);
    expect(resolveTargetStyle(join(SHIFTS_DIR, 'fog.json'), readTargetOverrideFile)).toEqual(SHIFT_PRESETS.fog);
  });

  it('a config names a preset by name (no file reader needed) and an unknown one fails naming the list', () => {
    const cfg = resolveConfig({ data: { minicity: { targetStyle: 'sensor', trainImages: 2, valImages: 2, size: [32, 64] } } });
    const a = generateMiniCitySet(cfg.data, 'target_val', 'data.val');
    const b = generateSet({ count: 2, seed: a.seed, domain: 'target', k: 0.6, height: 32, width: 64, targetStyleOverride: SHIFT_PRESETS.sensor });
    expect(Array.from(a.images)).toEqual(Array.from(b.images));
    const bad = resolveConfig({ data: { minicity: { targetStyle: 'snow', trainImages: 2, valImages: 2, size: [32, 64] } } });
    expect(() => generateMiniCitySet(bad.data, 'target_val', 'data.val')).toThrow(/unknown target style "snow".*busy_streets/);
  });
});

describe('jpegArtefacts', () => {
  it('leaves the image alone at strength 0, and at strength > 0 flattens 8×8 blocks more as strength grows', () => {
    const W = 16;
    const H = 16;
    const img = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 37 + ((i / 3) | 0) * 11) % 256);
    const same = img.slice();
    jpegArtefacts(same, W, H, 0);
    expect(same).toEqual(img);
    const errs = [0.2, 1].map((s) => { const x = img.slice(); jpegArtefacts(x, W, H, s); return meanAbsDiff(x, img); });
    expect(errs[0]).toBeGreaterThan(1);
    expect(errs[1]).toBeGreaterThan(errs[0]);
    // A flat image is a DC-only block: it stays (nearly) flat.
    const flat = new Uint8Array(W * H * 3).fill(120);
    jpegArtefacts(flat, W, H, 1);
    expect(Math.max(...flat) - Math.min(...flat)).toBeLessThanOrEqual(2);
  });
});
