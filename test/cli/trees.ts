/** Small datasets in their publishers' layouts, written by the tests (no binary fixtures). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { writePng } from '../../src/data/image_io.js';

/** Cityscapes label ids that map to train ids: 7 road → 0, 8 sidewalk → 1, 11 building → 2, 0 unlabeled → 255. */
export const CITYSCAPES_IDS = [7, 8, 11, 0] as const;

export interface TreeOptions {
  split?: string;
  city?: string;
  count?: number;
  width?: number;
  height?: number;
}

function image(width: number, height: number, seed: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101) % 256;
  return data;
}

/** Label ids in horizontal bands: rows of road, sidewalk, building, unlabeled. */
function bands(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) data.fill(CITYSCAPES_IDS[Math.floor((y * CITYSCAPES_IDS.length) / height)], y * width, (y + 1) * width);
  return data;
}

/** Writes `count` image/label pairs in the Cityscapes layout; returns the label and image paths. */
export function writeCityscapesTree(root: string, o: TreeOptions = {}): { images: string[]; labels: string[] } {
  const { split = 'val', city = 'minitown', count = 3, width = 32, height = 16 } = o;
  const imgDir = join(root, 'leftImg8bit', split, city);
  const lblDir = join(root, 'gtFine', split, city);
  mkdirSync(imgDir, { recursive: true });
  mkdirSync(lblDir, { recursive: true });
  const images: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < count; i++) {
    const stem = `${city}_000000_${String(i).padStart(6, '0')}`;
    images.push(join(imgDir, `${stem}_leftImg8bit.png`));
    labels.push(join(lblDir, `${stem}_gtFine_labelIds.png`));
    writePng(images[i], { width, height, channels: 3, data: image(width, height, i) });
    writePng(labels[i], { width, height, channels: 1, data: bands(width, height) });
  }
  return { images, labels };
}

/** Overwrites a file with bytes that are not an image. */
export function corruptFile(path: string): void {
  writeFileSync(path, Buffer.from('this is not a PNG file at all'));
}

/**
 * Images of every kind `plca predict` must read, each of an odd size: RGB, RGBA and grey PNGs
 * and a JPEG. Returns the paths with their sizes.
 */
export function writePredictInputs(dir: string): { path: string; width: number; height: number }[] {
  mkdirSync(dir, { recursive: true });
  const px = (w: number, h: number, c: number) => Uint8Array.from({ length: w * h * c }, (_, i) => (i * 13) % 256);
  const out = [
    { path: join(dir, 'rgb.png'), width: 77, height: 41, channels: 3 as const },
    { path: join(dir, 'rgba.png'), width: 50, height: 30, channels: 4 as const },
    { path: join(dir, 'grey.png'), width: 20, height: 64, channels: 1 as const },
  ];
  for (const o of out) writePng(o.path, { width: o.width, height: o.height, channels: o.channels, data: px(o.width, o.height, o.channels) });
  const photo = { path: join(dir, 'photo.jpg'), width: 33, height: 17 };
  writeFileSync(photo.path, jpeg.encode({ width: 33, height: 17, data: Buffer.from(px(33, 17, 4)) }, 90).data);
  return [...out.map(({ path, width, height }) => ({ path, width, height })), photo];
}
