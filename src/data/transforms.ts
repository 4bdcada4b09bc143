/**
 * Augmentation and normalisation as the reference (`tools/train.py: get_transform`,
 * `data/transforms.py`; reference-implementation §4.8), in pure JS on HWC typed arrays so it
 * runs in loader workers. Training: resize the short side to a random integer in
 * [minSize, maxSize], flip horizontally with p = 0.5, crop a random square (or [h, w]) (padding the image
 * with 0 and the label with 255 on the right/bottom), then normalise. Evaluation: resize the
 * image to a fixed size and keep the label at full size.
 *
 * Images are resized exactly as PIL's bilinear filter (a triangle kernel widened when
 * downsampling, i.e. antialiased; 22-bit fixed point, 8-bit after each pass); labels by nearest neighbour at pixel centres, as
 * PIL's NEAREST. Only the crop window of the resized image is computed: the result is the same
 * as resizing the whole image and cropping, at about half the cost.
 */
import type { PhotometricOptions } from './photometric.js';
import { PlcaError } from '../util/errors.js';
import type { RgbImage } from './image_io.js';
import { randInt, type Uniform } from '../util/rng.js';

/** The reference's default: Caffe BGR mean (B, G, R), values kept in 0–255, std 1. */
export const CAFFE_BGR_MEAN = [104.00698793, 116.66876762, 122.67891434] as const;
/** torchvision's ImageNet statistics, for 0–1 RGB input (`IMG_MODE: RGB`). */
export const IMAGENET_RGB_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_RGB_STD = [0.229, 0.224, 0.225] as const;

/**
 * A general normalisation, as the config's `data.normalization`: out[c] = (in[c']·scale − mean[c]) / std[c],
 * where c' reads the channels in `channelOrder`.
 */
export interface NormalizeSpec {
  channelOrder: 'rgb' | 'bgr';
  scale: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/**
 * 'bgr-caffe': channels B, G, R minus CAFFE_BGR_MEAN, 0–255 (the reference's default).
 * 'rgb-imagenet': (x/255 − mean)/std, channels R, G, B. Or any NormalizeSpec.
 */
export type NormalizeMode = 'bgr-caffe' | 'rgb-imagenet' | NormalizeSpec;

/** The spec of a normalisation mode. */
export function normalizeSpec(mode: NormalizeMode): NormalizeSpec {
  if (mode === 'bgr-caffe') return { channelOrder: 'bgr', scale: 1, mean: CAFFE_BGR_MEAN, std: [1, 1, 1] };
  if (mode === 'rgb-imagenet') return { channelOrder: 'rgb', scale: 1 / 255, mean: IMAGENET_RGB_MEAN, std: IMAGENET_RGB_STD };
  return mode;
}

export interface TrainTransformOptions {
  /** Smallest short side after the random resize. @default 760 */
  minSize?: number;
  /** Largest short side (inclusive). @default 988 (1.3 × 760) */
  maxSize?: number;
  /** Crop size: a side of a square (the reference) or [height, width]. @default 730 */
  cropSize?: number | readonly [number, number];
  /** Probability of a horizontal flip. @default 0.5 */
  flipProb?: number;
  /** Label fill for padding. @default 255 */
  ignoreIndex?: number;
  /** Photometric augmentation after the crop (source streams; photometric.ts). @default none */
  photometric?: PhotometricOptions;
}

/** The random draws of one training sample; `sampleAugment` makes them, `applyAugment` uses them. */
export interface AugmentParams {
  /** Size of the resized image. */
  height: number;
  width: number;
  flip: boolean;
  /** Crop corner in the resized, flipped, padded image. */
  top: number;
  left: number;
  cropHeight: number;
  cropWidth: number;
}

/** torchvision `F.resize(img, size)` with an int: the short side becomes `size`, the long side int(size·long/short). */
export function shortSideSize(width: number, height: number, size: number): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.floor((size * height) / width) };
  return { width: Math.floor((size * width) / height), height: size };
}

/** Draws resize, flip and crop for an image of the given size (in the reference's order). */
export function sampleAugment(rng: Uniform, width: number, height: number, opts: TrainTransformOptions = {}): AugmentParams {
  const minSize = opts.minSize ?? 760;
  const maxSize = opts.maxSize ?? 988;
  const c = opts.cropSize ?? 730;
  const [ch, cw] = typeof c === 'number' ? [c, c] : c;
  if (!(Number.isInteger(minSize) && minSize > 0 && maxSize >= minSize && ch > 0 && cw > 0)) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT',
      `Error in sampleAugment: need integers 0 < minSize ≤ maxSize and a positive crop, got ${minSize}, ${maxSize}, ${ch}x${cw}`);
  }
  const size = randInt(rng, minSize, maxSize);
  const r = shortSideSize(width, height, size);
  const flip = rng() < (opts.flipProb ?? 0.5);
  // Padding happens only on the right/bottom, so the crop corner ranges over the padded size.
  const top = randInt(rng, 0, Math.max(r.height, ch) - ch);
  const left = randInt(rng, 0, Math.max(r.width, cw) - cw);
  return { height: r.height, width: r.width, flip, top, left, cropHeight: ch, cropWidth: cw };
}

interface Taps { start: Int32Array; count: Int32Array; weights: Int32Array; maxTaps: number }

/** PIL's fixed-point precision for 8-bit resampling (Resample.c: PRECISION_BITS = 32 − 8 − 2). */
const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);

/**
 * PIL's bilinear coefficients (Resample.c `precompute_coeffs` + `normalize_coeffs_8bpc`):
 * a triangle of support 1, widened by the scale when downsampling, normalised, then rounded to
 * 22-bit fixed point — so results equal Pillow's byte for byte.
 */
function bilinearTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * maxTaps);
  const w = new Float64Array(maxTaps);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    let total = 0;
    for (let i = lo; i < hi; i++) {
      w[i - lo] = Math.max(0, 1 - Math.abs((i - center + 0.5) / filterScale));
      total += w[i - lo];
    }
    for (let i = 0; i < hi - lo; i++) weights[o * maxTaps + i] = Math.trunc(0.5 + (total ? w[i] / total : 0) * (1 << PRECISION_BITS));
    start[o] = lo;
    count[o] = hi - lo;
  }
  return { start, count, weights, maxTaps };
}

/** Fixed-point accumulator → 8 bits, as PIL's clip8. */
const clip8 = (v: number): number => {
  const x = v >> PRECISION_BITS;
  return x < 0 ? 0 : x > 255 ? 255 : x;
};

/** Horizontal pass over input rows [rowLo, rowHi) → [rows, w, 3] for output columns [x0, x0+w). */
function resizeRows(img: RgbImage, tx: Taps, rowLo: number, rowHi: number, x0: number, w: number): Uint8Array {
  const mid = new Uint8Array((rowHi - rowLo) * w * 3);
  const src = img.data;
  const { start, count, weights, maxTaps } = tx;
  for (let y = rowLo; y < rowHi; y++) {
    const s = y * img.width * 3;
    const d = (y - rowLo) * w * 3;
    for (let x = 0; x < w; x++) {
      const o = x + x0;
      let r = HALF, g = HALF, b = HALF;
      const base = o * maxTaps;
      for (let k = 0, p = s + start[o] * 3; k < count[o]; k++, p += 3) {
        const wt = weights[base + k];
        r += src[p] * wt; g += src[p + 1] * wt; b += src[p + 2] * wt;
      }
      mid[d + 3 * x] = clip8(r); mid[d + 3 * x + 1] = clip8(g); mid[d + 3 * x + 2] = clip8(b);
    }
  }
  return mid;
}

/**
 * Rows [y0, y0+h) and columns [x0, x0+w) of `img` resized to outH×outW (PIL bilinear: horizontal
 * pass to 8 bits, then vertical). The window must lie inside the resized image.
 */
export function resizeBilinearWindow(img: RgbImage, outH: number, outW: number, y0: number, x0: number, h: number, w: number): RgbImage {
  const tx = bilinearTaps(img.width, outW);
  const ty = bilinearTaps(img.height, outH);
  const rowLo = ty.start[y0];
  const rowHi = ty.start[y0 + h - 1] + ty.count[y0 + h - 1];
  // As PIL, a pass whose size does not change is skipped (its taps would be the identity anyway).
  const mid = outW === img.width && x0 === 0 && w === img.width
    ? img.data.subarray(rowLo * w * 3, rowHi * w * 3)
    : resizeRows(img, tx, rowLo, rowHi, x0, w);
  const out = new Uint8Array(h * w * 3);
  const acc = new Int32Array(w * 3);
  const rowLen = w * 3;
  for (let y = 0; y < h; y++) {
    const o = y + y0;
    acc.fill(HALF);
    // Row-wise accumulation: sequential memory access instead of a strided walk per pixel.
    for (let k = 0; k < ty.count[o]; k++) {
      const wt = ty.weights[o * ty.maxTaps + k];
      const p = (ty.start[o] + k - rowLo) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += mid[p + i] * wt;
    }
    const d = y * rowLen;
    for (let i = 0; i < rowLen; i++) out[d + i] = clip8(acc[i]);
  }
  return { width: w, height: h, channels: 3, data: out };
}

/** The whole image resized to outH×outW (antialiased bilinear, as PIL). */
export function resizeBilinear(img: RgbImage, outH: number, outW: number): RgbImage {
  return resizeBilinearWindow(img, outH, outW, 0, 0, outH, outW);
}

/** Rows/cols of a nearest resize at pixel centres (PIL NEAREST): source = floor((dst + 0.5)·in/out). */
export function resizeLabelNearestWindow(
  label: Uint8Array, inW: number, inH: number, outH: number, outW: number, y0: number, x0: number, h: number, w: number,
): Uint8Array {
  const out = new Uint8Array(h * w);
  const sx = new Int32Array(w);
  for (let x = 0; x < w; x++) sx[x] = Math.min(inW - 1, Math.floor(((x + x0 + 0.5) * inW) / outW));
  for (let y = 0; y < h; y++) {
    const row = Math.min(inH - 1, Math.floor(((y + y0 + 0.5) * inH) / outH)) * inW;
    for (let x = 0; x < w; x++) out[y * w + x] = label[row + sx[x]];
  }
  return out;
}

/** A whole label map resized by nearest neighbour at pixel centres (PIL NEAREST). */
export function resizeLabelNearest(label: Uint8Array, inW: number, inH: number, outH: number, outW: number): Uint8Array {
  return resizeLabelNearestWindow(label, inW, inH, outH, outW, 0, 0, outH, outW);
}

/**
 * Resize → flip → pad → crop with the given draws. Computes only the crop window: the crop at
 * `left` in the flipped image is columns [W − left − c, W − left) of the unflipped one, mirrored.
 */
export function applyAugment(
  img: RgbImage, label: Uint8Array | undefined, p: AugmentParams, ignoreIndex = 255,
): { image: RgbImage; label?: Uint8Array } {
  const ch = p.cropHeight;
  const cw = p.cropWidth;
  const h = Math.min(ch, p.height - p.top); // the part of the crop inside the resized image
  const w = Math.min(cw, p.width - p.left);
  const x0 = p.flip ? p.width - p.left - w : p.left;
  const win = resizeBilinearWindow(img, p.height, p.width, p.top, x0, h, w);
  const image = new Uint8Array(ch * cw * 3); // pad with 0, as pad_if_smaller
  const lab = label ? new Uint8Array(ch * cw).fill(ignoreIndex) : undefined;
  const lwin = label ? resizeLabelNearestWindow(label, img.width, img.height, p.height, p.width, p.top, x0, h, w) : undefined;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = p.flip ? w - 1 - x : x;
      const s = (y * w + sx) * 3;
      const d = (y * cw + x) * 3;
      image[d] = win.data[s]; image[d + 1] = win.data[s + 1]; image[d + 2] = win.data[s + 2];
      if (lab && lwin) lab[y * cw + x] = lwin[y * w + sx];
    }
  }
  return { image: { width: cw, height: ch, channels: 3, data: image }, label: lab };
}

/** HWC uint8 RGB → HWC float32 normalised, in the channel order of the mode (BGR for Caffe). */
export function normalizeImage(img: RgbImage, mode: NormalizeMode = 'bgr-caffe'): Float32Array {
  const { channelOrder, scale, mean, std } = normalizeSpec(mode);
  const n = img.width * img.height;
  const out = new Float32Array(n * 3);
  const d = img.data;
  const src = channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  for (let c = 0; c < 3; c++) {
    // (x·scale − mean)/std as x·a + b, one multiply-add per value.
    const a = scale / std[c];
    const b = -mean[c] / std[c];
    const sc = src[c];
    for (let i = 0; i < n; i++) out[3 * i + c] = d[3 * i + sc] * a + b;
  }
  return out;
}

/** Evaluation: the image resized to [height, width] (default 730×1460); the label is left at full size. */
export function evalResize(img: RgbImage, size: readonly [number, number] | null = [730, 1460]): RgbImage {
  if (!size || (size[0] === img.height && size[1] === img.width)) return img;
  return resizeBilinear(img, size[0], size[1]);
}
