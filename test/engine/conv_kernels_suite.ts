// plca's wasm convolution and matmul kernels (src/engine/kernels) through the engine's public ops,
// against the definitions (float64 loops): forward, input gradient and filter gradient at every
// stride / dilation / padding kind the networks use, plus the shapes the kernels hand back to the
// composed paths. One test file per kernel variant (the variant is process-global).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, engineInfo } from '../../src/engine/index.js';
import { sumSquares } from '../../src/engine/ops.js';
import { expectNoLeak } from '../helpers/expect_tensors.js';

function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface Case { name: string; x: [number, number, number, number]; k: [number, number]; co: number; s: [number, number]; d: [number, number]; pad: Pad }

const sym = (p: number): Pad => [[0, 0], [p, p], [p, p], [0, 0]];
const CASES: Case[] = [
  { name: '1×1 (pointwise GEMM)', x: [2, 5, 6, 7], k: [1, 1], co: 9, s: [1, 1], d: [1, 1], pad: 'valid' },
  { name: '1×1 stride 2 (subsampled; scattered input grad)', x: [1, 9, 8, 6], k: [1, 1], co: 10, s: [2, 2], d: [1, 1], pad: 'valid' },
  { name: '3×3 p1', x: [2, 7, 6, 5], k: [3, 3], co: 6, s: [1, 1], d: [1, 1], pad: sym(1) },
  { name: '3×3 dilation 2 p2', x: [1, 9, 10, 4], k: [3, 3], co: 5, s: [1, 1], d: [2, 2], pad: sym(2) },
  { name: '3×3 dilation 6 p6 (grid smaller than the taps)', x: [1, 5, 6, 9], k: [3, 3], co: 3, s: [1, 1], d: [6, 6], pad: sym(6) },
  { name: '7×7 stride 2 p3 (stem)', x: [1, 15, 13, 3], k: [7, 7], co: 4, s: [2, 2], d: [1, 1], pad: sym(3) },
  { name: "3×3 stride 2 'same' (asymmetric; composed input grad)", x: [1, 8, 7, 3], k: [3, 3], co: 4, s: [2, 2], d: [1, 1], pad: 'same' },
  { name: 'strides [2, 1] (unequal)', x: [1, 9, 7, 2], k: [3, 3], co: 3, s: [2, 1], d: [1, 1], pad: sym(1) },
  { name: '2×4 kernel, dilation [2, 1], explicit asymmetric padding', x: [1, 8, 9, 3], k: [2, 4], co: 5, s: [1, 1], d: [2, 1], pad: [[0, 0], [0, 2], [1, 3], [0, 0]] },
  { name: "3×3 'valid' 1×1 channel", x: [1, 6, 6, 1], k: [3, 3], co: 1, s: [1, 1], d: [1, 1], pad: 'valid' },
];

/** Forward, ∂⟨y, r⟩/∂x and ∂⟨y, r⟩/∂w in float64, straight from the definition. */
function reference(c: Case, x: Float32Array, w: Float32Array, r: Float32Array, out: [number, number], pads: [number, number]) {
  const [n, h, wd, ci] = c.x; const [kh, kw] = c.k; const [oh, ow] = out; const co = c.co;
  const y = new Float64Array(n * oh * ow * co); const dx = new Float64Array(x.length); const dw = new Float64Array(w.length);
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    for (let ti = 0; ti < kh; ti++) for (let tj = 0; tj < kw; tj++) {
      const yy = i * c.s[0] + ti * c.d[0] - pads[0]; const xx = j * c.s[1] + tj * c.d[1] - pads[1];
      if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
      for (let q = 0; q < ci; q++) {
        const xv = x[((b * h + yy) * wd + xx) * ci + q];
        for (let o = 0; o < co; o++) {
          const wi = ((ti * kw + tj) * ci + q) * co + o; const yi = ((b * oh + i) * ow + j) * co + o;
          y[yi] += xv * w[wi];
          dx[((b * h + yy) * wd + xx) * ci + q] += r[yi] * w[wi];
          dw[wi] += r[yi] * xv;
        }
      }
    }
  }
  return { y, dx, dw };
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let e = 0;
  for (let i = 0; i < b.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / (scale + 1e-30));
  return e;
}

export function convKernelSuite(variant: 'relaxed-simd' | 'simd128'): void {
  describe(`plca conv kernels (${variant}) against the definitions`, () => {
    beforeAll(async () => {
      process.env.PLCA_KERNELS = variant;
      await initEngine({ backend: 'wasm' });
    });

    it('the engine reports the variant', () => {
      expect(engineInfo()?.kernels).toBe(variant);
    });

    it.each(CASES)('$name: y, dx, dw', (c) => {
      const xs = rand(c.x.reduce((a, b) => a * b, 1), 1);
      const ws = rand(c.k[0] * c.k[1] * c.x[3] * c.co, 2);
      const x = tf.tensor4d(xs, c.x);
      const w = tf.tensor4d(ws, [c.k[0], c.k[1], c.x[3], c.co]);
      const y = tf.conv2d(x, w, c.s, c.pad, 'NHWC', c.d);
      const info = tf.backend_util.computeConv2DInfo(c.x, [c.k[0], c.k[1], c.x[3], c.co], c.s, c.d, c.pad, undefined, false, 'channelsLast');
      expect(y.shape).toEqual([c.x[0], info.outHeight, info.outWidth, c.co]);
      const rs = rand(y.size, 3);
      const r = tf.tensor(rs, y.shape);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad, 'NHWC', c.d), r)))([x, w]);
      const ref = reference(c, xs, ws, rs, [info.outHeight, info.outWidth], [info.padInfo.top, info.padInfo.left]);
      expect(maxRelErr(y.dataSync(), ref.y), 'y').toBeLessThan(1e-5);
      expect(maxRelErr(dx.dataSync(), ref.dx), 'dx').toBeLessThan(1e-5);
      expect(maxRelErr(dw.dataSync(), ref.dw), 'dw').toBeLessThan(1e-5);
      tf.dispose([x, w, y, r, dx, dw]);
    });

    const MM: Array<[string, number[], number[], boolean, boolean]> = [
      ['A·B', [7, 5], [5, 9], false, false], ['Aᵀ·B', [5, 7], [5, 9], true, false],
      ['A·Bᵀ batch 3', [3, 7, 5], [3, 9, 5], false, true], ['Aᵀ·Bᵀ, B broadcast', [2, 5, 7], [1, 9, 5], true, true],
      ['A broadcast', [1, 7, 5], [4, 5, 9], false, false], ['B broadcast (one product)', [3, 7, 5], [5, 9], false, false],
    ];
    it.each(MM)('BatchMatMul %s against loops', (_name, sa, sb, ta, tb) => {
      const a = tf.tensor(rand(sa.reduce((p, q) => p * q, 1), 6), sa);
      const b = tf.tensor(rand(sb.reduce((p, q) => p * q, 1), 7), sb);
      const y = tf.matMul(a, b, ta, tb);
      const A = a.rank === 2 ? tf.expandDims(a, 0) : a; const B = b.rank === 2 ? tf.expandDims(b, 0) : b;
      const [ad, bd] = [A.arraySync() as number[][][], B.arraySync() as number[][][]];
      const at = (m: number[][][], bi: number, i: number, j: number, t: boolean) => m[Math.min(bi, m.length - 1)][t ? j : i][t ? i : j];
      const batch = Math.max(ad.length, bd.length); const [m, n] = y.shape.slice(-2); const k = ta ? sa[sa.length - 2] : sa[sa.length - 1];
      const want: number[] = [];
      for (let q = 0; q < batch; q++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let v = 0; for (let r = 0; r < k; r++) v += at(ad, q, i, r, ta) * at(bd, q, r, j, tb); want.push(v);
      }
      expect(maxRelErr(y.dataSync(), want)).toBeLessThan(1e-6);
      tf.dispose([a, b, y, A, B]);
    });

    it.each([
      ['3×3 s2 valid', [2, 9, 11, 6], 3, 2, 'valid'], ['3×3 s2 same', [1, 8, 7, 5], 3, 2, 'same'], ['2×2 s1 valid', [1, 5, 6, 8], 2, 1, 'valid'],
    ] as Array<[string, [number, number, number, number], number, number, 'valid' | 'same']>)('MaxPool gradient %s against the definition', (_name, shape, k, st, pad) => {
      const xs = rand(shape.reduce((a, b) => a * b, 1), 8);
      const x = tf.tensor4d(xs, shape);
      const y = tf.maxPool(x, k, st, pad);
      const rs = rand(y.size, 9);
      const r = tf.tensor(rs, y.shape);
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, k, st, pad), r)))(x);
      const info = tf.backend_util.computePool2DInfo(shape, k, st, 1, pad);
      const [n, h, w, c] = shape;
      const want = new Float64Array(xs.length);
      for (let b = 0; b < n; b++) for (let i = 0; i < info.outHeight; i++) for (let j = 0; j < info.outWidth; j++) for (let q = 0; q < c; q++) {
        let best = -Infinity; let at = -1;
        for (let ki = 0; ki < k; ki++) for (let kj = 0; kj < k; kj++) {
          const yy = i * st - info.padInfo.top + ki; const xx = j * st - info.padInfo.left + kj;
          if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          const idx = ((b * h + yy) * w + xx) * c + q;
          if (xs[idx] > best) { best = xs[idx]; at = idx; }
        }
        want[at] += rs[((b * info.outHeight + i) * info.outWidth + j) * c + q];
      }
      expect(maxRelErr(dx.dataSync(), want)).toBeLessThan(1e-6);
      tf.dispose([x, y, r, dx]);
    });

    it('sumSquares: Σx² of a whole tensor', () => {
      const xs = rand(3 * 5 * 7 * 9, 10);
      const x = tf.tensor4d(xs, [3, 5, 7, 9]);
      const s = sumSquares(x)!;
      expect(s.rank).toBe(0);
      const want = xs.reduce((a, v) => a + v * v, 0);
      expect(Math.abs(s.dataSync()[0] - want) / want).toBeLessThan(1e-6);
      tf.dispose([x, s]);
    });

    it('a gradient step through the kernels leaves no tensors behind', async () => {
      const x = tf.tensor4d(rand(2 * 9 * 9 * 8, 4), [2, 9, 9, 8]);
      const w = tf.variable(tf.tensor4d(rand(3 * 3 * 8 * 8, 5), [3, 3, 8, 8]));
      await expectNoLeak(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.conv2d(x, w, 1, sym(2), 'NHWC', 2))) as tf.Scalar);
        tf.dispose([value, ...Object.values(grads)]);
      });
      tf.dispose([x, w]);
    });
  });
}
