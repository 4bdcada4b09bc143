import { describe, it, expect } from 'vitest';
import { colorizeLabels, tileImages, classFrequencies } from './mosaic.js';

describe('mosaic helpers', () => {
  it('colours train ids with the Cityscapes palette', () => {
    // Cityscapes palette (labels.py): road (128,64,128), car (0,0,142), sky (70,130,180); 255 black.
    const rgb = colorizeLabels(Uint8Array.from([0, 13, 10, 255]));
    expect(Array.from(rgb)).toEqual([128, 64, 128, 0, 0, 142, 70, 130, 180, 0, 0, 0]);
  });

  it('tiles images row-major with white gaps', () => {
    const red = new Uint8Array(2 * 1 * 3).fill(0).map((_, i) => (i % 3 === 0 ? 255 : 0));
    const blue = new Uint8Array(6).map((_, i) => (i % 3 === 2 ? 255 : 0));
    const m = tileImages([red, blue, red], 2, 1, 2, 1);
    expect([m.width, m.height]).toEqual([2 * 2 + 3, 2 * 1 + 3]);
    const px = (x: number, y: number) => Array.from(m.data.subarray(3 * (y * m.width + x), 3 * (y * m.width + x) + 3));
    expect(px(0, 0)).toEqual([255, 255, 255]);
    expect(px(1, 1)).toEqual([255, 0, 0]);
    expect(px(4, 1)).toEqual([0, 0, 255]);
    expect(px(1, 3)).toEqual([255, 0, 0]);
    expect(px(4, 3)).toEqual([255, 255, 255]);
    expect(() => tileImages([new Uint8Array(5)], 2, 1, 1)).toThrow(/has 5 bytes, expected 6/);
  });

  it('counts class frequencies', () => {
    const f = classFrequencies({ labels: Uint8Array.from([0, 0, 13, 10]) });
    expect(f.road).toBe(0.5);
    expect(f.car).toBe(0.25);
    expect(f.sky).toBe(0.25);
    expect(f.person).toBe(0);
  });
});
