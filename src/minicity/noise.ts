/**
 * Random fields for rendering: smooth value noise (texture) and fast Gaussian pixel noise.
 * The Gaussian noise draws 16-bit uniforms through a table of the inverse normal CDF (two
 * samples per 32-bit draw): per-pixel Box–Muller cost more than the rest of a scene's
 * rendering, and a 65,536-level quantile table is far finer than the uint8 output.
 */
import type { Rng } from '../util/rng.js';

/**
 * Smooth (smoothstep-interpolated) value noise in [−1, 1] on a lattice of `cell` px, at pixel
 * centres; written into `out` when given (length W·H).
 */
export function valueNoise(W: number, H: number, cell: number, rng: Rng, out: Float32Array = new Float32Array(W * H)): Float32Array {
  const gw = Math.ceil(W / cell) + 2;
  const gh = Math.ceil(H / cell) + 2;
  const grid = new Float32Array(gw * gh);
  for (let i = 0; i < grid.length; i++) grid[i] = 2 * rng.next() - 1;
  const fx = new Float32Array(W);
  const ix = new Int32Array(W);
  for (let x = 0; x < W; x++) {
    const gx = (x + 0.5) / cell;
    ix[x] = Math.floor(gx);
    const f = gx - ix[x];
    fx[x] = f * f * (3 - 2 * f);
  }
  for (let y = 0; y < H; y++) {
    const gy = (y + 0.5) / cell;
    const iy = Math.floor(gy);
    let fy = gy - iy;
    fy = fy * fy * (3 - 2 * fy);
    for (let x = 0; x < W; x++) {
      const g = iy * gw + ix[x];
      const top = grid[g] + fx[x] * (grid[g + 1] - grid[g]);
      const bot = grid[g + gw] + fx[x] * (grid[g + gw + 1] - grid[g + gw]);
      out[y * W + x] = top + fy * (bot - top);
    }
  }
  return out;
}

/**
 * Inverse of the standard normal CDF, Acklam's rational approximation (relative error
 * < 1.2e-9 on (0, 1)).
 */
export function inverseNormalCdf(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  const pLow = 0.02425;
  if (p < pLow) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - pLow) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

let quantiles: Float32Array | undefined;

/** Φ⁻¹((i + ½)/65536) for i = 0…65535: equiprobable normal quantiles. */
export function normalQuantileTable(): Float32Array {
  if (!quantiles) {
    quantiles = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) quantiles[i] = inverseNormalCdf((i + 0.5) / 65536);
  }
  return quantiles;
}

/**
 * Reusable Float32Arrays by (tag, length). Rendering is synchronous and never re-entrant, so
 * scenes can share their temporaries instead of allocating ~0.3 MB each (GC was ~8 % of the
 * time). The contents are stale on return: callers overwrite them.
 */
const pool = new Map<string, Float32Array>();
export function scratch(tag: string, length: number): Float32Array {
  const key = `${tag}:${length}`;
  let buf = pool.get(key);
  if (!buf) {
    buf = new Float32Array(length);
    pool.set(key, buf);
  }
  return buf;
}

/** Adds N(0, σ²) noise to every entry (two table-quantised normals per 32-bit draw). */
export function addGaussianNoise(data: Float32Array, sigma: number, rng: Rng): void {
  const table = normalQuantileTable();
  let i = 0;
  for (; i + 1 < data.length; i += 2) {
    const u = rng.nextU32();
    data[i] += sigma * table[u & 0xffff];
    data[i + 1] += sigma * table[u >>> 16];
  }
  if (i < data.length) data[i] += sigma * table[rng.nextU32() & 0xffff];
}
