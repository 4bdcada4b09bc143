import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { decodePng } from '../data/png.js';
import { writeCityscapesLayout, cityscapesStem } from './cityscapes_writer.js';
import { generateSet, setSample, type MiniCitySet } from './generator.js';

// Cityscapes labelIds of MiniCity's classes, from the Cityscapes label table (labels.py):
// train id → label id.
const CS_LABEL_OF_TRAIN: Record<number, number> = { 0: 7, 1: 8, 2: 11, 5: 17, 7: 20, 8: 21, 10: 23, 11: 24, 13: 26 };

describe('writeCityscapesLayout', () => {
  it('writes RGB images and label-id PNGs that read back exactly', () => {
    const set = generateSet({ count: 3, seed: 12, domain: 'target', k: 0.6 });
    const dir = mkdtempSync(join(tmpdir(), 'minicity-cs-'));
    const pairs = writeCityscapesLayout(set, dir, { split: 'val', city: 'minicity' });
    expect(pairs.map((p) => p.image)).toEqual([0, 1, 2].map((i) =>
      join(dir, 'leftImg8bit', 'val', 'minicity', `minicity_000000_00000${i}_leftImg8bit.png`)));
    expect(readdirSync(join(dir, 'gtFine', 'val', 'minicity')).sort()).toEqual(
      [0, 1, 2].map((i) => `${cityscapesStem('minicity', i)}_gtFine_labelIds.png`));
    for (let i = 0; i < 3; i++) {
      const { image, label } = setSample(set, i);
      const img = decodePng(readFileSync(pairs[i].image));
      expect([img.width, img.height, img.channels]).toEqual([128, 64, 3]);
      const lab = decodePng(readFileSync(pairs[i].label));
      expect(lab.channels).toBe(1);
      let imgDiff = 0;
      let labDiff = 0;
      for (let p = 0; p < 128 * 64; p++) {
        for (let c = 0; c < 3; c++) if (img.data[3 * p + c] !== image[3 * p + c]) imgDiff++;
        if (lab.data[p] !== CS_LABEL_OF_TRAIN[label[p]]) labDiff++;
      }
      expect(imgDiff).toBe(0);
      expect(labDiff).toBe(0);
      // Stored as 8-bit grey (colour type 0), as Cityscapes' own labelIds files.
      expect(readFileSync(pairs[i].label)[25]).toBe(0);
    }
  });

  it('rejects bad names and labels outside MiniCity', () => {
    const set = generateSet({ count: 1, seed: 1, domain: 'source' });
    const dir = mkdtempSync(join(tmpdir(), 'minicity-cs-'));
    expect(() => writeCityscapesLayout(set, dir, { city: '../x' })).toThrow(/city "..\/x" must be letters/);
    const broken: MiniCitySet = { ...set, labels: set.labels.slice() };
    broken.labels[5] = 3;
    expect(() => writeCityscapesLayout(broken, dir)).toThrow(/train id 3, not a MiniCity class/);
  });
});
