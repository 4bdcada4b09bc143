/**
 * Visualisation helpers: label maps in the Cityscapes palette, a tiled mosaic of RGB images,
 * and per-class pixel frequencies of a set.
 */
import { PlcaError } from '../util/errors.js';
import { CITYSCAPES_COLOR, MINICITY_CLASSES, TRAIN_ID, type MiniCityClass } from './classes.js';
import type { MiniCitySet } from './generator.js';

/** Train-id label map → RGB in the Cityscapes palette (unknown ids and 255 are black). */
export function colorizeLabels(label: Uint8Array): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (const c of MINICITY_CLASSES) lut.set(CITYSCAPES_COLOR[c], TRAIN_ID[c] * 3);
  const out = new Uint8Array(label.length * 3);
  for (let i = 0; i < label.length; i++) {
    const j = label[i] * 3;
    out[3 * i] = lut[j];
    out[3 * i + 1] = lut[j + 1];
    out[3 * i + 2] = lut[j + 2];
  }
  return out;
}

/** Tiles equally sized RGB images row-major into `cols` columns with a `gap`-px white border. */
export function tileImages(
  tiles: Uint8Array[], width: number, height: number, cols: number, gap = 2,
): { data: Uint8Array; width: number; height: number } {
  for (const t of tiles) {
    if (t.length !== width * height * 3) {
      throw new PlcaError('PLCA_SIZE_MISMATCH', `Error in tileImages: a tile has ${t.length} bytes, expected ${width * height * 3}`);
    }
  }
  const rows = Math.ceil(tiles.length / cols);
  const W = cols * width + (cols + 1) * gap;
  const H = rows * height + (rows + 1) * gap;
  const data = new Uint8Array(W * H * 3).fill(255);
  tiles.forEach((t, n) => {
    const ox = gap + (n % cols) * (width + gap);
    const oy = gap + Math.floor(n / cols) * (height + gap);
    for (let y = 0; y < height; y++) data.set(t.subarray(y * width * 3, (y + 1) * width * 3), ((oy + y) * W + ox) * 3);
  });
  return { data, width: W, height: H };
}

/** Fraction of a set's pixels in each class. */
export function classFrequencies(set: Pick<MiniCitySet, 'labels'>): Record<MiniCityClass, number> {
  const hist = new Float64Array(256);
  for (let i = 0; i < set.labels.length; i++) hist[set.labels[i]]++;
  const out = {} as Record<MiniCityClass, number>;
  for (const c of MINICITY_CLASSES) out[c] = hist[TRAIN_ID[c]] / Math.max(1, set.labels.length);
  return out;
}
