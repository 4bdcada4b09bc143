/**
 * Writes a generated set as a Cityscapes-style tree, so the Cityscapes reader (src/data) and
 * outside tools can read MiniCity:
 *   leftImg8bit/{split}/{city}/{city}_000000_{i:06}_leftImg8bit.png   (RGB)
 *   gtFine/{split}/{city}/{city}_000000_{i:06}_gtFine_labelIds.png    (8-bit grey, label ids)
 * gtFine `labelIds` are Cityscapes *label* ids (road 7, …, car 26), not the train ids the set
 * holds, so labels are mapped back on the way out.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writePng } from '../data/image_io.js';
import { PlcaError } from '../util/errors.js';
import { MINICITY_TRAIN_IDS, TRAIN_TO_LABEL_ID } from './classes.js';
import { setSample, type MiniCitySet } from './generator.js';

export interface CityscapesLayoutOptions {
  /** @default 'train' */
  split?: string;
  /** @default 'minicity' */
  city?: string;
}

export interface WrittenPair {
  image: string;
  label: string;
}

/** The file stem of image i, Cityscapes style: `{city}_000000_{i:06}`. */
export function cityscapesStem(city: string, i: number): string {
  return `${city}_000000_${String(i).padStart(6, '0')}`;
}

/** Writes every image and label of `set` under `dir`; returns the paths written, in order. */
export function writeCityscapesLayout(set: MiniCitySet, dir: string, opts: CityscapesLayoutOptions = {}): WrittenPair[] {
  const split = opts.split ?? 'train';
  const city = opts.city ?? 'minicity';
  for (const [what, v] of [['split', split], ['city', city]] as const) {
    if (!/^[A-Za-z0-9-]+$/.test(v)) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in writeCityscapesLayout: ${what} "${v}" must be letters, digits or "-"`);
    }
  }
  const imgDir = join(dir, 'leftImg8bit', split, city);
  const gtDir = join(dir, 'gtFine', split, city);
  mkdirSync(imgDir, { recursive: true });
  mkdirSync(gtDir, { recursive: true });
  const valid = new Uint8Array(256);
  for (const id of MINICITY_TRAIN_IDS) valid[id] = 1;
  valid[255] = 1;
  const out: WrittenPair[] = [];
  for (let i = 0; i < set.count; i++) {
    const { image, label } = setSample(set, i);
    const stem = cityscapesStem(city, i);
    const pair = { image: join(imgDir, `${stem}_leftImg8bit.png`), label: join(gtDir, `${stem}_gtFine_labelIds.png`) };
    const ids = new Uint8Array(label.length);
    for (let p = 0; p < label.length; p++) {
      if (!valid[label[p]]) {
        throw new PlcaError('PLCA_LABEL_INVALID', `Error in writeCityscapesLayout: image ${i} has train id ${label[p]}, not a MiniCity class`);
      }
      ids[p] = TRAIN_TO_LABEL_ID[label[p]];
    }
    // plca's one PNG encoder (src/data/png.ts): RGB images, 8-bit grey label ids as Cityscapes' own.
    writePng(pair.image, { width: set.width, height: set.height, channels: 3, data: image });
    writePng(pair.label, { width: set.width, height: set.height, channels: 1, data: ids });
    out.push(pair);
  }
  return out;
}
