/**
 * Writes small dataset trees in the publishers' real formats for the data tests: Cityscapes
 * 8-bit grey labelIds, GTAV palette labels, SYNTHIA 16-bit 3-channel labels. Images and grey/16-bit
 * labels are encoded with pngjs (independent of plca's own PNG codec); palette labels need plca's
 * encoder (pngjs cannot write palettes), which src/data/png.test.ts checks against pngjs' decoder.
 */
import { mkdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { PNG } from 'pngjs';
import { encodePng } from '../../src/data/png.js';

const created: string[] = [];

/** Removes every directory tempRoot made (call from afterAll). */
export function cleanupTrees(): void {
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A fresh temporary directory; `cleanupTrees` removes it. */
export function tempRoot(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `plca-data-${tag}-`));
  created.push(d);
  return d;
}

function put(path: string, buf: Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, buf);
}

/** A deterministic RGB image whose pixels encode their position (so crops/flips are checkable). */
export function rgbPixels(w: number, h: number, seed = 0): Uint8Array {
  const d = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    d[3 * i] = (i * 7 + seed) % 256;
    d[3 * i + 1] = (Math.floor(i / w) * 13 + seed) % 256;
    d[3 * i + 2] = ((i % w) * 17 + seed * 3) % 256;
  }
  return d;
}

export function writeRgbPng(path: string, w: number, h: number, seed = 0): Uint8Array {
  const data = rgbPixels(w, h, seed);
  const png = new PNG({ width: w, height: h, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(data);
  put(path, PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
  return data;
}

export function writeGreyPng(path: string, w: number, h: number, values: ArrayLike<number>): void {
  const png = new PNG({ width: w, height: h, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(Array.from(values));
  put(path, PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
}

/** SYNTHIA: 16-bit RGB, class id in channel 0, instance-like junk (> 255) in channels 1 and 2. */
export function writeSynthiaLabel(path: string, w: number, h: number, ids: ArrayLike<number>): void {
  const v = new Uint16Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    v[3 * i] = ids[i];
    v[3 * i + 1] = 1000 + i;
    v[3 * i + 2] = 40000 + ((i * 37) % 20000);
  }
  const png = new PNG({ width: w, height: h, colorType: 2, inputColorType: 2, bitDepth: 16, inputHasAlpha: false });
  png.data = Buffer.from(v.buffer);
  put(path, PNG.sync.write(png, { colorType: 2, inputColorType: 2, bitDepth: 16, inputHasAlpha: false }));
}

/** GTAV: a palette PNG whose indices are the ids; the palette gives ids 26 (car) and 34 (license plate) the same colour. */
export function writeGtavLabel(path: string, w: number, h: number, ids: ArrayLike<number>): void {
  const palette = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) palette.set([(i * 5) % 256, (i * 11) % 256, (i * 3) % 256], 3 * i);
  palette.set([0, 0, 142], 26 * 3);
  palette.set([0, 0, 142], 34 * 3);
  put(path, encodePng({ width: w, height: h, channels: 1, data: Uint8Array.from(ids), palette }));
}

export function writeBytes(path: string, buf: Buffer | string): void {
  put(path, typeof buf === 'string' ? Buffer.from(buf) : buf);
}

/** Cycles through `ids` over an image, so every id appears and positions differ. */
export function idPattern(w: number, h: number, ids: number[]): number[] {
  return Array.from({ length: w * h }, (_, i) => ids[(i + 3 * Math.floor(i / w)) % ids.length]);
}

// Raw id → class name, as the datasets' publishers define them (cityscapesScripts labels.py, the
// reference's data/label_map.py for SYNTHIA); absent names are "not one of the 19 classes".
export const CITYSCAPES_ID_NAMES: Record<number, string> = {
  7: 'road', 8: 'sidewalk', 11: 'building', 12: 'wall', 13: 'fence', 17: 'pole', 19: 'traffic light',
  20: 'traffic sign', 21: 'vegetation', 22: 'terrain', 23: 'sky', 24: 'person', 25: 'rider', 26: 'car',
  27: 'truck', 28: 'bus', 31: 'train', 32: 'motorcycle', 33: 'bicycle',
};
export const SYNTHIA_ID_NAMES: Record<number, string> = {
  1: 'sky', 2: 'building', 3: 'road', 4: 'sidewalk', 5: 'fence', 6: 'vegetation', 7: 'pole', 8: 'car',
  9: 'traffic sign', 10: 'person', 11: 'bicycle', 12: 'motorcycle', 15: 'traffic light', 17: 'rider',
  19: 'bus', 21: 'wall',
  // terrain 16, truck 18 and train 20 exist in SYNTHIA but not in the 16-class task: ignored.
};
