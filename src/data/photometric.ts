/**
 * Photometric augmentation of source images: the augmentations a practitioner adds against a
 * change of camera or lighting (issue 14's "source-only + augmentation" control). Per image,
 * in this order: brightness (gain), contrast around the image mean, saturation around the luma,
 * per-channel colour gains, gamma, Gaussian blur (with probability blurProb), additive Gaussian
 * noise; then rounding to uint8. Geometry and labels are untouched. Every draw comes from the
 * caller's uniform stream (the loader's per-sample seed, or the MiniCity stream's Rng), so a run
 * is deterministic under its seed and resumes exactly; with every knob 0 nothing is drawn.
 */
import type { Uniform } from '../util/rng.js';

/** The knobs (config `data.augment`); each is the largest change, drawn uniformly per image. */
export interface PhotometricOptions {
  /** Gain factor in [1 − b, 1 + b]. */
  brightness: number;
  /** Contrast factor in [1 − c, 1 + c] around the image's mean. */
  contrast: number;
  /** Saturation factor in [1 − s, 1 + s] around the Rec. 601 luma. */
  saturation: number;
  /** Per-channel gain in [1 − h, 1 + h] each (colour casts / white balance). */
  colour: number;
  /** Gamma exponent e^u, u in [−g, g]. */
  gamma: number;
  /** Largest Gaussian blur σ in px (σ uniform in [0, blur]). */
  blur: number;
  /** Probability that an image is blurred. */
  blurProb: number;
  /** Largest additive Gaussian noise σ in [0, 1] units (σ uniform in [0, noise]). */
  noise: number;
}

/** No augmentation. */
export const NO_PHOTOMETRIC: PhotometricOptions = {
  brightness: 0, contrast: 0, saturation: 0, colour: 0, gamma: 0, blur: 0, blurProb: 0, noise: 0,
};

/** Whether any knob is on. */
export function photometricActive(o: PhotometricOptions | undefined | null): o is PhotometricOptions {
  return !!o && (o.brightness > 0 || o.contrast > 0 || o.saturation > 0 || o.colour > 0 || o.gamma > 0 ||
    (o.blur > 0 && o.blurProb > 0) || o.noise > 0);
}

/**
 * Augments an HWC uint8 RGB image (W×H) and returns a new one; draws from `rng` only for the
 * knobs that are on. The input is not modified.
 */
export function photometric(data: Uint8Array, width: number, height: number, o: PhotometricOptions, rng: Uniform): Uint8Array {
  const u = (a: number) => 1 + a * (2 * rng() - 1);
  const n = width * height;
  const x = new Float32Array(3 * n);
  for (let i = 0; i < x.length; i++) x[i] = data[i] / 255;
  if (o.brightness > 0) {
    const g = u(o.brightness);
    for (let i = 0; i < x.length; i++) x[i] *= g;
  }
  if (o.contrast > 0) {
    const c = u(o.contrast);
    let mean = 0;
    for (let i = 0; i < x.length; i++) mean += x[i];
    mean /= x.length;
    for (let i = 0; i < x.length; i++) x[i] = mean + c * (x[i] - mean);
  }
  if (o.saturation > 0) {
    const s = u(o.saturation);
    for (let i = 0; i < x.length; i += 3) {
      const l = 0.299 * x[i] + 0.587 * x[i + 1] + 0.114 * x[i + 2];
      x[i] = l + s * (x[i] - l);
      x[i + 1] = l + s * (x[i + 1] - l);
      x[i + 2] = l + s * (x[i + 2] - l);
    }
  }
  if (o.colour > 0) {
    const g = [u(o.colour), u(o.colour), u(o.colour)];
    for (let i = 0; i < x.length; i++) x[i] *= g[i % 3];
  }
  if (o.gamma > 0) {
    const gamma = Math.exp(o.gamma * (2 * rng() - 1));
    for (let i = 0; i < x.length; i++) x[i] = x[i] > 0 ? Math.pow(Math.min(x[i], 4), gamma) : 0;
  }
  if (o.blur > 0 && o.blurProb > 0 && rng() < o.blurProb) {
    const sigma = o.blur * rng();
    if (sigma > 0.1) gaussianBlur(x, width, height, sigma);
  }
  if (o.noise > 0) {
    const sigma = o.noise * rng();
    // Box–Muller on the caller's stream: two normals per two uniforms.
    for (let i = 0; i < x.length; i += 2) {
      const r = sigma * Math.sqrt(-2 * Math.log(1 - rng()));
      const t = 2 * Math.PI * rng();
      x[i] += r * Math.cos(t);
      if (i + 1 < x.length) x[i + 1] += r * Math.sin(t);
    }
  }
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    out[i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
  }
  return out;
}

/** One 1-D pass of the separable blur, along rows (`alongRows`) or columns, src → dst, edges replicated. */
function blurPass(src: Float32Array, dst: Float32Array, W: number, H: number, k: Float32Array, r: number, alongRows: boolean): void {
  for (let y = 0; y < H; y++) {
    for (let px = 0; px < W; px++) {
      for (let c = 0; c < 3; c++) {
        let a = 0;
        for (let j = -r; j <= r; j++) {
          const idx = alongRows ? y * W + Math.min(W - 1, Math.max(0, px + j)) : Math.min(H - 1, Math.max(0, y + j)) * W + px;
          a += k[j + r] * src[idx * 3 + c];
        }
        dst[(y * W + px) * 3 + c] = a;
      }
    }
  }
}

/** Separable Gaussian blur of σ px in place, edges replicated. */
function gaussianBlur(x: Float32Array, W: number, H: number, sigma: number): void {
  const r = Math.max(1, Math.ceil(2.5 * sigma));
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const tmp = new Float32Array(x.length);
  blurPass(x, tmp, W, H, k, r, true); // rows, x → tmp
  blurPass(tmp, x, W, H, k, r, false); // columns, tmp → x
}
