/**
 * The style's image pipeline after painting (prototype §1 "Rendering", steps 3–8): saturation,
 * per-class two-scale value-noise texture, Gaussian blur, contrast/gamma/gain/colour cast with
 * per-image jitter, vignetting, additive Gaussian noise; then quantisation to uint8, and
 * JPEG-like block artefacts when the style asks (jpeg.ts). Every step
 * acts on all classes alike or by a per-class amplitude; none moves colours between classes.
 * Steps whose strength is zero are skipped and draw no random numbers.
 */
import type { Rng } from '../util/rng.js';
import type { StyleParams, TextureFactors } from './params.js';
import { TRAIN_ID, MINICITY_CLASSES } from './classes.js';
import type { Canvas } from './paint.js';
import { valueNoise, addGaussianNoise, scratch } from './noise.js';
import { jpegArtefacts } from './jpeg.js';

/** Value-noise cell sizes in px: a coarse blotch scale and a fine grain scale. */
const TEX_SCALES: readonly [number, number] = [7, 2.5];
const TEX_WEIGHTS: readonly [number, number] = [0.6, 0.4];

/** Renders a painted canvas in place through the style, returning the uint8 RGB image. */
export function renderCanvas(cv: Canvas, style: StyleParams, rng: Rng): Uint8Array {
  saturate(cv.rgb, style.sat);
  if (style.tex > 0) texture(cv, style.tex, style.texFactors, rng);
  if (style.blur > 0.05) gaussianBlur(cv, style.blur);
  const out = finish(cv, style, rng);
  if (style.jpeg > 0) jpegArtefacts(out, cv.width, cv.height, style.jpeg);
  return out;
}

/** Scales chroma around the luma (Rec. 601 weights). */
function saturate(rgb: Float32Array, sat: number): void {
  if (sat === 1) return;
  for (let i = 0; i < rgb.length; i += 3) {
    const l = 0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2];
    for (let c = 0; c < 3; c++) {
      const v = l + sat * (rgb[i + c] - l);
      rgb[i + c] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
}

/** Train id → texture factor. */
function factorTable(f: TextureFactors): Float32Array {
  const t = new Float32Array(256);
  for (const c of MINICITY_CLASSES) t[TRAIN_ID[c]] = f[c];
  return t;
}

/** Multiplies each pixel by 1 + tex·factor(class)·noise, noise a two-scale value-noise mix. */
function texture(cv: Canvas, tex: number, factors: TextureFactors, rng: Rng): void {
  const { width: W, height: H, rgb, label } = cv;
  const table = factorTable(factors);
  const coarse = valueNoise(W, H, TEX_SCALES[0], rng, scratch('texture-coarse', W * H));
  const fine = valueNoise(W, H, TEX_SCALES[1], rng, scratch('texture-fine', W * H));
  for (let i = 0; i < W * H; i++) {
    const m = 1 + tex * table[label[i]] * (TEX_WEIGHTS[0] * coarse[i] + TEX_WEIGHTS[1] * fine[i]);
    rgb[3 * i] *= m;
    rgb[3 * i + 1] *= m;
    rgb[3 * i + 2] *= m;
  }
}

/** Separable Gaussian blur of σ px, edges clamped (replicated). */
function gaussianBlur(cv: Canvas, sigma: number): void {
  const r = Math.max(1, Math.ceil(2.5 * sigma));
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const { width: W, height: H } = cv;
  const tmp = scratch('blur', cv.rgb.length);
  blurPass(cv.rgb, tmp, k, r, { lines: H, lineStep: 3 * W, n: W, step: 3 });
  blurPass(tmp, cv.rgb, k, r, { lines: W, lineStep: 3, n: H, step: 3 * W });
}

/**
 * One 1-D pass along `n` pixels `step` apart, for `lines` lines `lineStep` apart. Each line is
 * copied into an edge-padded buffer first so the convolution loop has no bounds checks.
 */
function blurPass(
  src: Float32Array, dst: Float32Array, k: Float32Array, r: number,
  g: { lines: number; lineStep: number; n: number; step: number },
): void {
  const pad = new Float32Array((g.n + 2 * r) * 3);
  for (let line = 0; line < g.lines; line++) {
    const base = line * g.lineStep;
    for (let p = -r; p < g.n + r; p++) {
      const q = base + (p < 0 ? 0 : p >= g.n ? g.n - 1 : p) * g.step;
      const o = (p + r) * 3;
      pad[o] = src[q];
      pad[o + 1] = src[q + 1];
      pad[o + 2] = src[q + 2];
    }
    for (let p = 0; p < g.n; p++) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      for (let j = 0, o = p * 3; j < k.length; j++, o += 3) {
        const w = k[j];
        a0 += w * pad[o];
        a1 += w * pad[o + 1];
        a2 += w * pad[o + 2];
      }
      const d = base + p * g.step;
      dst[d] = a0;
      dst[d + 1] = a1;
      dst[d + 2] = a2;
    }
  }
}

/** Gamma table on [0, GAMMA_LUT_MAX]: v^γ by linear interpolation (error < 1e-4, far below one uint8 level). */
const GAMMA_LUT_STEPS = 2048;
const GAMMA_LUT_MAX = 2;

let lastGamma: { gamma: number; lut: Float32Array } | undefined;

/** The table for γ; the last one is kept, since a set renders with one γ. */
function gammaTable(gamma: number): Float32Array {
  if (lastGamma?.gamma !== gamma) {
    const lut = new Float32Array(GAMMA_LUT_STEPS + 2);
    for (let i = 0; i < lut.length; i++) lut[i] = Math.pow((i * GAMMA_LUT_MAX) / GAMMA_LUT_STEPS, gamma);
    lastGamma = { gamma, lut };
  }
  return lastGamma.lut;
}

const radiusCache = new Map<string, Float32Array>();

/** r²/2 per pixel, r the distance from the centre in units of the half-size (√2 at the corners). */
function halfRadiusSquared(W: number, H: number): Float32Array {
  const key = `${W}x${H}`;
  let m = radiusCache.get(key);
  if (!m) {
    m = new Float32Array(W * H);
    for (let y = 0; y < H; y++) {
      const dy = (y + 0.5 - H / 2) / (H / 2);
      for (let x = 0; x < W; x++) {
        const dx = (x + 0.5 - W / 2) / (W / 2);
        m[y * W + x] = (dx * dx + dy * dy) / 2;
      }
    }
    radiusCache.set(key, m);
  }
  return m;
}

/**
 * Steps 6–8 and quantisation in one pass: contrast around the image mean, gamma, gain and
 * colour cast (with per-image jitter), vignetting (× 1 − vignette·r²/2, so 1 − vignette in the
 * corners), additive Gaussian noise, rounding to uint8. One pass instead of four: these
 * element-wise loops were half of the render time.
 */
function finish(cv: Canvas, s: StyleParams, rng: Rng): Uint8Array {
  const { rgb } = cv;
  const gain = s.gain * (s.gainJit > 0 ? 1 + s.gainJit * rng.uniform(-1, 1) : 1);
  const mult = [0, 1, 2].map((c) => gain * s.cast[c] * (s.castJit > 0 ? 1 + s.castJit * rng.uniform(-1, 1) : 1));
  let mean = 0;
  if (s.contrast !== 1) {
    for (let i = 0; i < rgb.length; i++) mean += rgb[i];
    mean /= rgb.length;
  }
  const noisy = s.noise > 0;
  const noise = scratch('noise', rgb.length);
  if (noisy) {
    noise.fill(0);
    addGaussianNoise(noise, s.noise, rng);
  }
  const lut = s.gamma === 1 ? null : gammaTable(s.gamma);
  const r2 = halfRadiusSquared(cv.width, cv.height);
  const scale = GAMMA_LUT_STEPS / GAMMA_LUT_MAX;
  const out = new Uint8Array(rgb.length);
  for (let p = 0, i = 0; p < r2.length; p++) {
    const vig = 1 - s.vignette * r2[p];
    for (let c = 0; c < 3; c++, i++) {
      let v = mean + s.contrast * (rgb[i] - mean);
      if (v <= 0) v = 0;
      else if (lut) {
        if (v < GAMMA_LUT_MAX) {
          const x = v * scale;
          const j = x | 0;
          v = lut[j] + (x - j) * (lut[j + 1] - lut[j]);
        } else v = Math.pow(v, s.gamma);
      }
      v = v * mult[c] * vig + (noisy ? noise[i] : 0);
      out[i] = v <= 0 ? 0 : v >= 1 ? 255 : (v * 255 + 0.5) | 0;
    }
  }
  return out;
}
