/**
 * Reading and writing images and label maps as plain typed arrays (HWC, row-major). No tensors:
 * this runs in loader workers. Every failure is a PlcaError naming the file.
 */
import { readFileSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import jpeg from 'jpeg-js';
import { PlcaError } from '../util/errors.js';
import { decodePng, encodePng, PngFormatError, type RawPng } from './png.js';
import { cityscapesPalette256 } from './label_maps.js';

/** An 8-bit RGB image, HWC. */
export interface RgbImage {
  width: number;
  height: number;
  channels: 3;
  data: Uint8Array;
}

/** Raw label ids as stored in the file (before any label mapping). */
export interface RawLabel {
  width: number;
  height: number;
  /** Uint16Array when the file is 16-bit (SYNTHIA), so no id is wrapped. */
  data: Uint8Array | Uint16Array;
  /** Where the ids came from: palette indices, grey values, or channel 0 of a colour PNG (SYNTHIA). */
  source: 'palette' | 'grey' | 'channel0';
}

/** Reads a whole file; PLCA_FILE_NOT_FOUND / PLCA_FILE_UNREADABLE name it. */
export function readFileChecked(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new PlcaError('PLCA_FILE_NOT_FOUND', `file not found: ${path}`, { hint: 'the file went missing, or a split list names it: check the dataset (plca data check)' });
    }
    throw new PlcaError('PLCA_FILE_UNREADABLE', `cannot read ${path} (${code ?? (e as Error).message})`, {
      cause: e, hint: 'check that the file is readable (ls -l); plca data check lists every unreadable file of a dataset',
    });
  }
}

function corrupt(path: string, why: string, cause?: unknown): PlcaError {
  return new PlcaError('PLCA_IMAGE_CORRUPT', `cannot decode image ${path}: ${why}`, {
    cause, hint: 'plca reads PNG and baseline JPEG: re-download or re-export the file, or remove it; plca data check lists every broken file of a dataset',
  });
}

const isPng = (b: Buffer): boolean => b.length >= 4 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Buffer): boolean => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** Decodes PNG (any depth, palette kept as indices) or JPEG bytes. `path` is for messages only. */
export function decodeRaw(buf: Buffer, path: string): RawPng {
  if (isPng(buf)) {
    try {
      return decodePng(buf);
    } catch (e) {
      if (e instanceof PngFormatError) throw corrupt(path, e.message);
      throw corrupt(path, (e as Error).message, e);
    }
  }
  if (isJpeg(buf)) {
    try {
      // tolerantDecoding off: a truncated JPEG must fail, not come back grey at the bottom.
      const j = jpeg.decode(buf, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxMemoryUsageInMB: 2048 });
      return { width: j.width, height: j.height, channels: 3, bitDepth: 8, colorType: 2, data: j.data };
    } catch (e) {
      throw corrupt(path, `bad JPEG (${(e as Error).message})`, e);
    }
  }
  throw corrupt(path, buf.length === 0 ? 'empty file' : 'not a PNG or JPEG file');
}

/**
 * Any decoded image → 8-bit RGB, as PIL's `convert('RGB')`: grey is replicated, alpha dropped
 * (not composited), palettes looked up, 16-bit samples rounded to 8 bits.
 */
export function toRgb(raw: RawPng, path = '<buffer>'): RgbImage {
  const { width, height, channels, data } = raw;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  if (raw.palette) {
    const p = raw.palette;
    for (let i = 0; i < n; i++) {
      const k = 3 * data[i];
      if (k + 2 >= p.length) throw corrupt(path, `palette index ${data[i]} beyond the ${p.length / 3}-entry palette`);
      out[3 * i] = p[k];
      out[3 * i + 1] = p[k + 1];
      out[3 * i + 2] = p[k + 2];
    }
    return { width, height, channels: 3, data: out };
  }
  // Scale to 0–255: 16-bit by /257 (65535 → 255), 1/2/4-bit grey by 255/(2^d − 1).
  const max = (1 << raw.bitDepth) - 1;
  const to8 = raw.bitDepth === 8 ? null : (v: number): number => Math.round((v * 255) / max);
  const grey = channels <= 2;
  if (channels === 3 && !to8) return { width, height, channels: 3, data: data as Uint8Array };
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = data[i * channels + (grey ? 0 : c)];
      out[3 * i + c] = to8 ? to8(v) : v;
    }
  }
  return { width, height, channels: 3, data: out };
}

/** Reads a PNG or JPEG as 8-bit RGB. */
export function readImage(path: string): RgbImage {
  return toRgb(decodeRaw(readFileChecked(path), path), path);
}

/**
 * Raw ids of a decoded label image: palette indices for palette PNGs (GTAV), the value for grey
 * PNGs (Cityscapes labelIds), channel 0 for colour PNGs (SYNTHIA's 16-bit labels keep the
 * class id there; reading them as 8-bit would rescale and corrupt the ids).
 */
export function rawLabelOf(raw: RawPng): RawLabel {
  const { width, height, channels, data } = raw;
  if (raw.colorType === 3) return { width, height, data, source: 'palette' };
  if (channels === 1) return { width, height, data, source: 'grey' };
  const n = width * height;
  const out = raw.bitDepth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = data[i * channels];
  return { width, height, data: out, source: channels === 2 ? 'grey' : 'channel0' };
}

/** Reads a label file's raw ids (see rawLabelOf). JPEG labels are rejected. */
export function readLabel(path: string): RawLabel {
  const buf = readFileChecked(path);
  if (isJpeg(buf)) throw corrupt(path, 'a JPEG cannot hold label ids (lossy); labels must be PNG');
  return rawLabelOf(decodeRaw(buf, path));
}

function ensureDir(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
}

/** Writes an 8-bit RGB (or grey/RGBA, by `channels`) PNG. */
export function writePng(path: string, img: { width: number; height: number; channels?: 1 | 3 | 4; data: Uint8Array }): void {
  const channels = img.channels ?? 3;
  if (img.data.length !== img.width * img.height * channels) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `writePng ${path}: ${img.data.length} values for ${img.width}x${img.height}x${channels}`);
  }
  ensureDir(path);
  writeFileSync(path, encodePng({ width: img.width, height: img.height, channels, data: img.data }));
}

/**
 * Writes train ids as a palettised PNG (the Cityscapes colours by default): viewers show colours,
 * and the file still holds the ids as palette indices.
 */
export function writePalettePng(
  path: string, labels: Uint8Array, width: number, height: number, palette: Uint8Array = cityscapesPalette256(),
): void {
  if (labels.length !== width * height) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `writePalettePng ${path}: ${labels.length} labels for ${width}x${height}`);
  }
  if (palette.length % 3 !== 0 || palette.length > 768) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `writePalettePng ${path}: palette must be ≤256 RGB triples`);
  }
  ensureDir(path);
  writeFileSync(path, encodePng({ width, height, channels: 1, data: labels, palette }));
}

/** True when `path` is an existing regular file. */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
