import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/helpers/fixtures.js';
import type { RgbImage } from './image_io.js';
import { mulberry32 } from '../util/rng.js';
import {
  applyAugment, evalResize, normalizeImage, resizeBilinear, resizeLabelNearest, sampleAugment,
  shortSideSize, CAFFE_BGR_MEAN, type AugmentParams,
} from './transforms.js';

interface PilRef { width: number; height: number; cases: { width: number; height: number; rgb: number[]; nearest: number[] }[] }
const pil = JSON.parse(readFileSync(join(REPO_ROOT, 'test/data/pil_reference.json'), 'utf8')) as PilRef;

// The formulas of test/data/pil_reference.py.
const px = (x: number, y: number, c: number): number => (x * 23 + y * 41 + c * 67 + ((x * y) % 7) * 9) % 256;
function testImage(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = px(x, y, c);
  return { width: w, height: h, channels: 3, data };
}
function testLabel(w: number, h: number): Uint8Array {
  const l = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) l[y * w + x] = (x * 3 + y * 5) % 19;
  return l;
}

describe('resize, against Pillow 9.4 (test/data/pil_reference.json)', () => {
  const img = testImage(pil.width, pil.height);
  const lab = testLabel(pil.width, pil.height);
  for (const c of pil.cases) {
    it(`bilinear and nearest ${pil.width}x${pil.height} → ${c.width}x${c.height}`, () => {
      const r = resizeBilinear(img, c.height, c.width);
      // The same fixed-point arithmetic as Pillow: byte-exact.
      let maxDiff = 0;
      for (let i = 0; i < c.rgb.length; i++) maxDiff = Math.max(maxDiff, Math.abs(r.data[i] - c.rgb[i]));
      expect(maxDiff).toBe(0);
      expect(Array.from(resizeLabelNearest(lab, pil.width, pil.height, c.height, c.width))).toEqual(c.nearest);
    });
  }

  it('is the identity at the same size', () => {
    expect(Array.from(resizeBilinear(img, img.height, img.width).data)).toEqual(Array.from(img.data));
  });
});

/** The reference's pipeline done naively on whole images: resize all, flip all, pad, crop. */
function naiveAugment(img: RgbImage, label: Uint8Array, p: AugmentParams): { image: Uint8Array; label: Uint8Array } {
  const r = resizeBilinear(img, p.height, p.width);
  const l = resizeLabelNearest(label, img.width, img.height, p.height, p.width);
  const ch = p.cropHeight, cw = p.cropWidth;
  const image = new Uint8Array(ch * cw * 3);
  const lab = new Uint8Array(ch * cw).fill(255);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const yy = y + p.top, xx = x + p.left; // coordinates in the flipped, padded image
      if (yy >= p.height || xx >= p.width) continue;
      const sx = p.flip ? p.width - 1 - xx : xx;
      for (let k = 0; k < 3; k++) image[(y * cw + x) * 3 + k] = r.data[(yy * p.width + sx) * 3 + k];
      lab[y * cw + x] = l[yy * p.width + sx];
    }
  }
  return { image, label: lab };
}

describe('training augmentation', () => {
  it('resizes the short side as torchvision F.resize(int)', () => {
    expect(shortSideSize(2048, 1024, 760)).toEqual({ width: 1520, height: 760 });
    expect(shortSideSize(1914, 1052, 800)).toEqual({ width: Math.floor((800 * 1914) / 1052), height: 800 });
    expect(shortSideSize(500, 900, 100)).toEqual({ width: 100, height: 180 });
  });

  it('draws sizes in [min, max], crops inside, and flips about half the time', () => {
    const rng = mulberry32(1);
    let flips = 0;
    const sizes = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const p = sampleAugment(rng, 2048, 1024);
      sizes.add(p.height);
      expect(p.height).toBeGreaterThanOrEqual(760);
      expect(p.height).toBeLessThanOrEqual(988);
      expect(p.top + 730).toBeLessThanOrEqual(p.height);
      expect(p.left + 730).toBeLessThanOrEqual(p.width);
      flips += p.flip ? 1 : 0;
    }
    expect(flips).toBeGreaterThan(150);
    expect(flips).toBeLessThan(250);
    expect(Math.min(...sizes)).toBeLessThan(780);
    expect(Math.max(...sizes)).toBeGreaterThan(968);
  });

  it('equals resizing the whole image, flipping and cropping (windowed computation)', () => {
    const img = testImage(40, 24);
    const lab = testLabel(40, 24);
    const rng = mulberry32(7);
    for (let t = 0; t < 16; t++) {
      const p = sampleAugment(rng, 40, 24, { minSize: 14, maxSize: 30, cropSize: t % 2 ? 16 : [12, 20] });
      const got = applyAugment(img, lab, p);
      const want = naiveAugment(img, lab, p);
      expect(Array.from(got.image.data)).toEqual(Array.from(want.image));
      expect(Array.from(got.label!)).toEqual(Array.from(want.label));
    }
  });

  it('pads image with 0 and label with 255 when the crop is larger than the image', () => {
    const img = testImage(12, 6);
    const p = sampleAugment(mulberry32(3), 12, 6, { minSize: 6, maxSize: 6, cropSize: 10, flipProb: 0 });
    expect(p).toMatchObject({ height: 6, width: 12, top: 0 });
    const out = applyAugment(img, testLabel(12, 6), p);
    expect(Array.from(out.image.data.subarray(6 * 10 * 3))).toEqual(new Array(4 * 10 * 3).fill(0));
    expect(Array.from(out.label!.subarray(6 * 10))).toEqual(new Array(40).fill(255));
    expect(out.label![0]).toBe(testLabel(12, 6)[p.left]);
  });

  it('is reproducible from the seed', () => {
    const a = sampleAugment(mulberry32(42), 2048, 1024);
    const b = sampleAugment(mulberry32(42), 2048, 1024);
    expect(a).toEqual(b);
  });
});

describe('normalisation and evaluation resize', () => {
  it('Caffe mode flips to BGR and subtracts the mean; ImageNet mode is (x/255-mean)/std in RGB', () => {
    const img: RgbImage = { width: 1, height: 1, channels: 3, data: Uint8Array.from([10, 20, 200]) };
    const bgr = normalizeImage(img);
    expect(bgr[0]).toBeCloseTo(200 - CAFFE_BGR_MEAN[0], 4);
    expect(bgr[1]).toBeCloseTo(20 - CAFFE_BGR_MEAN[1], 4);
    expect(bgr[2]).toBeCloseTo(10 - CAFFE_BGR_MEAN[2], 4);
    const rgb = normalizeImage(img, 'rgb-imagenet');
    expect(rgb[0]).toBeCloseTo((10 / 255 - 0.485) / 0.229, 5);
    expect(rgb[2]).toBeCloseTo((200 / 255 - 0.406) / 0.225, 5);
    const spec = normalizeImage(img, { channelOrder: 'bgr', scale: 2, mean: [1, 2, 3], std: [2, 4, 8] });
    expect(Array.from(spec)).toEqual([(400 - 1) / 2, (40 - 2) / 4, (20 - 3) / 8]);
  });

  it('resizes the image to the evaluation size and leaves the same-size image alone', () => {
    const img = testImage(40, 20);
    const r = evalResize(img, [10, 20]);
    expect([r.height, r.width]).toEqual([10, 20]);
    expect(evalResize(img, [20, 40])).toBe(img);
    expect(evalResize(img, null)).toBe(img);
  });
});
