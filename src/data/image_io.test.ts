import { describe, it, expect, afterAll } from 'vitest';
import { join } from 'node:path';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { readImage, readLabel, writePng, writePalettePng } from './image_io.js';
import { CITYSCAPES_PALETTE } from './label_maps.js';
import { PlcaError } from '../util/errors.js';
import { tempRoot, writeRgbPng, writeSynthiaLabel, writeGtavLabel, cleanupTrees } from '../../test/data/trees.js';

afterAll(cleanupTrees);

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof PlcaError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a PlcaError');
}

describe('readImage', () => {
  const dir = tempRoot('io');

  it('reads 8-bit RGB PNG exactly', () => {
    const data = writeRgbPng(join(dir, 'rgb.png'), 9, 5, 3);
    const img = readImage(join(dir, 'rgb.png'));
    expect([img.width, img.height, img.channels]).toEqual([9, 5, 3]);
    expect(Array.from(img.data)).toEqual(Array.from(data));
  });

  it('converts grey, RGBA (alpha dropped) and 16-bit to RGB as PIL convert("RGB")', () => {
    const rgba = new PNG({ width: 2, height: 1 });
    rgba.data = Buffer.from([10, 20, 30, 0, 40, 50, 60, 128]);
    writeFileSync(join(dir, 'rgba.png'), PNG.sync.write(rgba));
    expect(Array.from(readImage(join(dir, 'rgba.png')).data)).toEqual([10, 20, 30, 40, 50, 60]);
    writeSynthiaLabel(join(dir, 's16.png'), 1, 1, [257 * 100]);
    // channel 0 = 25700 → 100; channel 1 = 1000 → round(1000/257) = 4; channel 2 = 40000 → 156
    expect(Array.from(readImage(join(dir, 's16.png')).data)).toEqual([100, 4, 156]);
  });

  it('reads JPEG (lossy: within a few levels of the source)', () => {
    const w = 16, h = 16;
    const rgba = Buffer.alloc(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set([100 + (i % 16), 80, 200 - (i >> 4), 255], 4 * i);
    writeFileSync(join(dir, 'a.jpg'), jpeg.encode({ width: w, height: h, data: rgba }, 95).data);
    const img = readImage(join(dir, 'a.jpg'));
    expect([img.width, img.height]).toEqual([w, h]);
    let maxDiff = 0;
    for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) maxDiff = Math.max(maxDiff, Math.abs(img.data[3 * i + c] - rgba[4 * i + c]));
    expect(maxDiff).toBeLessThan(12);
  });

  it('names missing, unreadable, corrupt and truncated files', () => {
    expect(codeOf(() => readImage(join(dir, 'none.png')))).toMatchObject({ code: 'PLCA_FILE_NOT_FOUND', message: expect.stringContaining('none.png') });
    mkdirSync(join(dir, 'adir.png'), { recursive: true });
    expect(codeOf(() => readImage(join(dir, 'adir.png')))).toMatchObject({ code: 'PLCA_FILE_UNREADABLE', message: expect.stringContaining('adir.png') });
    writeFileSync(join(dir, 'text.png'), 'hello');
    expect(codeOf(() => readImage(join(dir, 'text.png')))).toMatchObject({ code: 'PLCA_IMAGE_CORRUPT', message: expect.stringContaining('text.png') });
    const good = readFileSync(join(dir, 'rgb.png'));
    writeFileSync(join(dir, 'trunc.png'), good.subarray(0, Math.floor(good.length / 2)));
    expect(codeOf(() => readImage(join(dir, 'trunc.png')))).toMatchObject({ code: 'PLCA_IMAGE_CORRUPT', message: expect.stringMatching(/trunc\.png.*truncated/) });
    const jpg = readFileSync(join(dir, 'a.jpg'));
    writeFileSync(join(dir, 'trunc.jpg'), jpg.subarray(0, Math.floor(jpg.length / 2)));
    expect(codeOf(() => readImage(join(dir, 'trunc.jpg')))).toMatchObject({ code: 'PLCA_IMAGE_CORRUPT', message: expect.stringContaining('trunc.jpg') });
  });
});

describe('readLabel', () => {
  const dir = tempRoot('lab');

  it('keeps 16-bit ids of channel 0 (SYNTHIA), including ids > 255', () => {
    writeSynthiaLabel(join(dir, 's.png'), 3, 1, [5, 22, 300]);
    const l = readLabel(join(dir, 's.png'));
    expect(l.source).toBe('channel0');
    expect(l.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(l.data)).toEqual([5, 22, 300]);
  });

  it('returns palette indices (GTAV)', () => {
    writeGtavLabel(join(dir, 'g.png'), 4, 1, [26, 34, 0, 7]);
    const l = readLabel(join(dir, 'g.png'));
    expect(l.source).toBe('palette');
    expect(Array.from(l.data)).toEqual([26, 34, 0, 7]);
  });

  it('refuses JPEG labels', () => {
    writeFileSync(join(dir, 'l.jpg'), readFileSync(join(tempRootWithJpeg(), 'x.jpg')));
    expect(codeOf(() => readLabel(join(dir, 'l.jpg')))).toMatchObject({ code: 'PLCA_IMAGE_CORRUPT', message: expect.stringContaining('l.jpg') });
  });
});

function tempRootWithJpeg(): string {
  const d = tempRoot('jpg');
  writeFileSync(join(d, 'x.jpg'), jpeg.encode({ width: 2, height: 2, data: Buffer.alloc(16, 128) }, 90).data);
  return d;
}

describe('writers', () => {
  const dir = tempRoot('w');

  it('writePng round-trips RGB through pngjs', () => {
    const data = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 29) % 256);
    writePng(join(dir, 'sub/o.png'), { width: 5, height: 3, data });
    const p = PNG.sync.read(readFileSync(join(dir, 'sub/o.png')));
    expect([p.width, p.height]).toEqual([5, 3]);
    expect(Array.from(readImage(join(dir, 'sub/o.png')).data)).toEqual(Array.from(data));
    expect(() => writePng(join(dir, 'bad.png'), { width: 5, height: 3, data: new Uint8Array(4) })).toThrow(/bad\.png/);
  });

  it('writePalettePng stores train ids as indices with the Cityscapes colours', () => {
    const labels = Uint8Array.from([0, 13, 255, 18]);
    writePalettePng(join(dir, 'p.png'), labels, 2, 2);
    expect(Array.from(readLabel(join(dir, 'p.png')).data)).toEqual([0, 13, 255, 18]);
    const rgb = readImage(join(dir, 'p.png')).data;
    expect(Array.from(rgb)).toEqual([...CITYSCAPES_PALETTE[0], ...CITYSCAPES_PALETTE[13], 0, 0, 0, ...CITYSCAPES_PALETTE[18]]);
    // an independent decoder sees the same colours
    const p = PNG.sync.read(readFileSync(join(dir, 'p.png')));
    expect(Array.from(p.data.subarray(4, 7))).toEqual([0, 0, 142]);
  });
});
