/**
 * JPEG-like compression artefacts for the "sensor" shifts: the image in YCbCr, each 8×8 block's
 * DCT quantised with the JPEG standard's quality-50 tables (Annex K) scaled by `strength` × 4,
 * then the inverse DCT. Blocking, ringing around edges and lost fine chroma follow, as from a
 * low-quality camera encoder. Deterministic (no random numbers), so a style without it renders
 * the same bits as before. Edge blocks replicate the last row/column.
 */

/** JPEG Annex K luminance and chrominance tables (quality 50), row-major. */
const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
  49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_Q = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
  47, 66, 99, 99, 99, 99, 99, 99, ...new Array<number>(32).fill(99),
];

/** Quantisation table scale at strength 1 (≈ JPEG quality 12). */
const MAX_SCALE = 4;

/** cos((2x + 1)uπ/16)·c(u)/2, the 8-point DCT-II basis, [u·8 + x]. */
const BASIS = (() => {
  const b = new Float32Array(64);
  for (let u = 0; u < 8; u++) {
    const cu = u === 0 ? Math.SQRT1_2 : 1;
    for (let x = 0; x < 8; x++) b[u * 8 + x] = (cu / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  }
  return b;
})();

/**
 * Compresses a uint8 RGB image (H×W×3) in place with JPEG-like artefacts of `strength` in (0, 1]
 * (0: unchanged; 1: quantisation steps 4× the quality-50 tables).
 */
export function jpegArtefacts(rgb: Uint8Array, W: number, H: number, strength: number): void {
  if (!(strength > 0)) return;
  const scale = MAX_SCALE * Math.min(1, strength);
  const qL = LUMA_Q.map((q) => Math.max(1, q * scale));
  const qC = CHROMA_Q.map((q) => Math.max(1, q * scale));
  const ycc = [new Float32Array(W * H), new Float32Array(W * H), new Float32Array(W * H)];
  for (let p = 0; p < W * H; p++) {
    const r = rgb[3 * p];
    const g = rgb[3 * p + 1];
    const b = rgb[3 * p + 2];
    ycc[0][p] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
    ycc[1][p] = -0.168736 * r - 0.331264 * g + 0.5 * b;
    ycc[2][p] = 0.5 * r - 0.418688 * g - 0.081312 * b;
  }
  const block = new Float32Array(64);
  const tmp = new Float32Array(64);
  for (let c = 0; c < 3; c++) {
    const q = c === 0 ? qL : qC;
    const plane = ycc[c];
    for (let by = 0; by < H; by += 8) {
      for (let bx = 0; bx < W; bx += 8) {
        for (let y = 0; y < 8; y++) {
          const sy = Math.min(H - 1, by + y);
          for (let x = 0; x < 8; x++) block[y * 8 + x] = plane[sy * W + Math.min(W - 1, bx + x)];
        }
        dct2(block, tmp, false);
        for (let i = 0; i < 64; i++) block[i] = Math.round(block[i] / q[i]) * q[i];
        dct2(block, tmp, true);
        for (let y = 0; y < 8 && by + y < H; y++) {
          for (let x = 0; x < 8 && bx + x < W; x++) plane[(by + y) * W + bx + x] = block[y * 8 + x];
        }
      }
    }
  }
  for (let p = 0; p < W * H; p++) {
    const y = ycc[0][p] + 128;
    const cb = ycc[1][p];
    const cr = ycc[2][p];
    rgb[3 * p] = byte(y + 1.402 * cr);
    rgb[3 * p + 1] = byte(y - 0.344136 * cb - 0.714136 * cr);
    rgb[3 * p + 2] = byte(y + 1.772 * cb);
  }
}

function byte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** 2-D 8×8 DCT-II (or its inverse) in place, as two 1-D passes through `tmp`. */
function dct2(block: Float32Array, tmp: Float32Array, inverse: boolean): void {
  // rows: tmp[y][u] = Σx B[u][x]·block[y][x]  (inverse: tmp[y][x] = Σu B[u][x]·block[y][u])
  for (let y = 0; y < 8; y++) {
    for (let o = 0; o < 8; o++) {
      let s = 0;
      for (let i = 0; i < 8; i++) s += (inverse ? BASIS[i * 8 + o] : BASIS[o * 8 + i]) * block[y * 8 + i];
      tmp[y * 8 + o] = s;
    }
  }
  // columns
  for (let x = 0; x < 8; x++) {
    for (let o = 0; o < 8; o++) {
      let s = 0;
      for (let i = 0; i < 8; i++) s += (inverse ? BASIS[i * 8 + o] : BASIS[o * 8 + i]) * tmp[i * 8 + x];
      block[o * 8 + x] = s;
    }
  }
}
