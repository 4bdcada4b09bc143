// MiniCity → Cityscapes tree → the data module's Cityscapes reader: train ids survive the trip.
import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateSet, setSample, writeCityscapesLayout } from '../../src/minicity/index.js';
import { cityscapesDataset } from '../../src/data/datasets/cityscapes.js';
import { loadSample } from '../../src/data/datasets/common.js';

describe('MiniCity written as Cityscapes, read by src/data', () => {
  it('reads back the same images and train ids', () => {
    const set = generateSet({ count: 4, seed: 2, domain: 'source' });
    const root = mkdtempSync(join(tmpdir(), 'minicity-rt-'));
    writeCityscapesLayout(set, root, { split: 'val', city: 'minicity' });
    const ds = cityscapesDataset({ root, split: 'val' });
    expect(ds.items.length).toBe(4);
    expect(ds.unpairedLabels).toEqual([]);
    const ids = ds.items.map((it) => it.id).sort();
    expect(ids).toEqual([0, 1, 2, 3].map((i) => `minicity/minicity_000000_00000${i}`));
    for (let i = 0; i < 4; i++) {
      const k = ds.items.findIndex((it) => it.id === ids[i]);
      const s = loadSample(ds, k);
      const want = setSample(set, i);
      expect([s.image.width, s.image.height]).toEqual([128, 64]);
      expect(Buffer.from(s.image.data).equals(Buffer.from(want.image))).toBe(true);
      expect(Buffer.from(s.label!).equals(Buffer.from(want.label))).toBe(true);
    }
  });
});
