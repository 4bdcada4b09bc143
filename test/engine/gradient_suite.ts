// Gradient checks of the engine ops on one backend: central finite differences (directional for
// the ops that are linear in the differentiated input, per coordinate against a float64 JS forward
// otherwise), the resize adjoint identity, matmul against plain loops, and no tensor leaks.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, conv2d, resizeBilinear, batchNorm, softmaxCrossEntropy, matmul, addRelu } from '../../src/engine/index.js';
import { convGeometry, convInputGrad, convFilterGrad } from '../../src/engine/conv_grad.js';
import { expectClose, expectNoLeak, relError } from '../helpers/expect_tensors.js';

/** Deterministic pseudo-random values in [-1, 1). */
function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
const randT = (shape: number[], seed: number) => tf.tensor(rand(shape.reduce((a, b) => a * b, 1), seed), shape);
const dot = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(a, b)).dataSync()[0]);

/**
 * For f linear in x: (f(x+v) − f(x−v))/2 equals ⟨∇f, v⟩ exactly, so the check is tight in float32.
 * Returns the relative difference.
 */
function directionalCheck(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, seed: number): number {
  return tf.tidy(() => {
    const v = randT(x.shape, seed);
    const g = tf.grad(f)(x);
    const analytic = dot(g, v);
    const numeric = (f(tf.add(x, v)).dataSync()[0] - f(tf.sub(x, v)).dataSync()[0]) / 2;
    return Math.abs(analytic - numeric) / (Math.abs(numeric) + 1e-6);
  });
}

/** Per-coordinate central differences of a float64 function. */
function numericGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-5): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xp = Float64Array.from(x); xp[i] += h;
    const xm = Float64Array.from(x); xm[i] -= h;
    g[i] = (f(xp) - f(xm)) / (2 * h);
  }
  return g;
}

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
const CONV_CASES: Array<{ name: string; x: number[]; k: number; ci: number; co: number; s: number | [number, number]; d: number; pad: Pad }> = [
  { name: 's1 d1 p1', x: [2, 7, 6, 3], k: 3, ci: 3, co: 4, s: 1, d: 1, pad: 1 },
  { name: 's2 d1 p1 odd', x: [2, 7, 9, 3], k: 3, ci: 3, co: 2, s: 2, d: 1, pad: 1 },
  { name: 's2 k1 p0 (cropped rows)', x: [1, 6, 8, 2], k: 1, ci: 2, co: 3, s: 2, d: 1, pad: 0 },
  { name: 's3 d1 p1', x: [1, 10, 11, 2], k: 3, ci: 2, co: 2, s: 3, d: 1, pad: 1 },
  { name: 's2 k7 p3 (stem)', x: [1, 11, 9, 3], k: 7, ci: 3, co: 2, s: 2, d: 1, pad: 3 },
  { name: 's1 d2 p2', x: [2, 9, 9, 3], k: 3, ci: 3, co: 4, s: 1, d: 2, pad: 2 },
  { name: 's1 d3 p0', x: [1, 11, 10, 2], k: 3, ci: 2, co: 3, s: 1, d: 3, pad: 0 },
  { name: "s2 'same' (asymmetric)", x: [1, 8, 7, 2], k: 3, ci: 2, co: 2, s: 2, d: 1, pad: 'same' },
  { name: "s1 d2 'same'", x: [1, 8, 8, 2], k: 3, ci: 2, co: 2, s: 1, d: 2, pad: 'same' },
  { name: 'strides [2, 1] (unequal)', x: [1, 9, 7, 2], k: 3, ci: 2, co: 3, s: [2, 1], d: 1, pad: 1 },
  { name: 'strides [1, 3], k4 p2', x: [1, 8, 13, 3], k: 4, ci: 3, co: 2, s: [1, 3], d: 1, pad: 2 },
  { name: 's2 k4 p1 (even kernel)', x: [2, 10, 9, 3], k: 4, ci: 3, co: 2, s: 2, d: 1, pad: 1 },
  { name: 'explicit asymmetric', x: [1, 7, 8, 2], k: 3, ci: 2, co: 3, s: 2, d: 1, pad: [[0, 0], [0, 2], [1, 0], [0, 0]] },
];

export function gradientSuite(backend: 'cpu' | 'wasm'): void {
  describe(`engine gradients on ${backend}`, () => {
    beforeAll(async () => { await initEngine({ backend }); });

    // wasm's stock Conv2D mishandles unequal strides (wrong output width, then a heap overrun), so
    // those cases run on cpu only; plca's conv2d takes one stride for both axes.
    const cases = CONV_CASES.filter((c) => backend === 'cpu' || typeof c.s === 'number');
    it.each(cases)('conv2d $name: finite differences in x and w', (c) => {
      const x = randT(c.x, 1);
      const w = randT([c.k, c.k, c.ci, c.co], 2);
      const y0 = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad, 'NHWC', c.d);
      const r = randT(y0.shape, 3);
      const fx = (xx: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad, 'NHWC', c.d), r)) as tf.Scalar;
      const fw = (ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, ww as tf.Tensor4D, c.s, c.pad, 'NHWC', c.d), r)) as tf.Scalar;
      expect(directionalCheck(fx, x, 4)).toBeLessThan(1e-4);
      expect(directionalCheck(fw, w, 5)).toBeLessThan(1e-4);
      tf.dispose([x, w, y0, r]);
    });

    it.each(cases.filter((c) => c.d === 1))('conv2d $name: matches the stock backprop kernels', (c) => {
      // Stock Conv2DBackpropInput exists on both backends; Conv2DBackpropFilter on wasm is ours.
      const x = randT(c.x, 6) as tf.Tensor4D;
      const w = randT([c.k, c.k, c.ci, c.co], 7) as tf.Tensor4D;
      const g = convGeometry(x.shape, w.shape, { strides: c.s as [number, number], pad: c.pad as 'same', dilations: 1 });
      const dy = randT([c.x[0], g.outH, g.outW, c.co], 8) as tf.Tensor4D;
      const sArr = typeof c.s === 'number' ? [c.s, c.s] : c.s;
      const ours = [convInputGrad(dy, w, x.shape, g), convFilterGrad(x, dy, w.shape, g)];
      const attrs = { strides: sArr, pad: c.pad, dataFormat: 'NHWC' };
      const stock = [
        tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { ...attrs, inputShape: x.shape } as {}) as tf.Tensor,
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape: w.shape } as {}) as tf.Tensor];
      expectClose(ours[0].dataSync(), stock[0].dataSync(), 1e-4, 'input grad');
      expectClose(ours[1].dataSync(), stock[1].dataSync(), 1e-4, 'filter grad');
      tf.dispose([x, w, dy, ...ours, ...stock]);
    });

    const RESIZE_CASES: Array<[string, number[], [number, number], boolean, boolean]> = [
      ['up 5x7→16x9 half-pixel', [2, 5, 7, 3], [16, 9], false, true],
      ['down 20x30→7x9 half-pixel', [1, 20, 30, 2], [7, 9], false, true],
      ['up 8x8→64x64 half-pixel', [1, 8, 8, 4], [64, 64], false, true],
      ['up 5x6→11x13 align corners', [1, 5, 6, 2], [11, 13], true, false],
      ['down 9x9→4x5 legacy', [1, 9, 9, 2], [4, 5], false, false],
    ];
    it.each(RESIZE_CASES)('resizeBilinear %s: adjoint ⟨Rx, r⟩ = ⟨x, Rᵀr⟩', (_n, shape, size, ac, hp) => {
      const x = randT(shape, 9);
      const y = tf.image.resizeBilinear(x as tf.Tensor4D, size, ac, hp);
      const r = randT(y.shape, 10);
      const rt = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeBilinear(xx as tf.Tensor4D, size, ac, hp), r)))(x);
      const lhs = dot(y, r);
      const rhs = dot(x, rt);
      expect(Math.abs(lhs - rhs) / Math.abs(lhs)).toBeLessThan(1e-5);
      tf.dispose([x, y, r, rt]);
    });

    it('batchNorm (training and inference): per-coordinate finite differences of a float64 forward', () => {
      const shape = [2, 3, 2, 3];
      const [n, h, w, c] = shape;
      const m = n * h * w;
      const xs = rand(m * c, 11); const gs = rand(c, 12).map((v) => v + 1.5); const bs = rand(c, 13); const rs = rand(m * c, 14);
      const rMean = rand(c, 15); const rVar = rand(c, 16).map((v) => v + 1.2);
      const ref = (x: Float64Array, training: boolean) => {
        let loss = 0;
        for (let k = 0; k < c; k++) {
          let mu = rMean[k]; let vr = rVar[k];
          if (training) {
            mu = 0; for (let i = 0; i < m; i++) mu += x[i * c + k]; mu /= m;
            vr = 0; for (let i = 0; i < m; i++) vr += (x[i * c + k] - mu) ** 2; vr /= m;
          }
          for (let i = 0; i < m; i++) loss += (gs[k] * (x[i * c + k] - mu) / Math.sqrt(vr + 1e-5) + bs[k]) * rs[i * c + k];
        }
        return loss;
      };
      for (const training of [true, false]) {
        const [x, gamma, beta, r, mean, variance] = [tf.tensor4d(xs, shape as [number, number, number, number]), tf.tensor1d(gs), tf.tensor1d(bs),
          tf.tensor(rs, shape), tf.tensor1d(rMean), tf.tensor1d(rVar)];
        const g = tf.grad((xx: tf.Tensor) => tf.tidy(() => {
          const out = batchNorm(xx as tf.Tensor4D, { gamma, beta, mean, variance, training });
          return tf.sum(tf.mul(out.y, r));
        }))(x);
        const num = numericGrad((v) => ref(v, training), Float64Array.from(xs));
        expectClose(g.dataSync(), num, 1e-3, `batchNorm training=${training} gradX`);
        tf.dispose([x, gamma, beta, r, mean, variance, g]);
      }
    });

    it('softmaxCrossEntropy: per-coordinate finite differences, ignore label, all-ignored gives 0', () => {
      const shape = [2, 2, 3, 4];
      const z = rand(48, 17).map((v) => 3 * v);
      const labelData = [0, 3, 255, 1, 2, 2, 255, 1, 0, 3, 3, 255];
      const labels = tf.tensor3d(labelData, [2, 2, 3], 'int32');
      const ref = (x: Float64Array) => {
        let s = 0; let cnt = 0;
        for (let p = 0; p < 12; p++) {
          if (labelData[p] === 255) continue;
          const row = Array.from(x.subarray(p * 4, p * 4 + 4));
          const mx = Math.max(...row);
          const lse = mx + Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0));
          s += lse - row[labelData[p]]; cnt++;
        }
        return s / cnt;
      };
      const logits = tf.tensor4d(z.slice(0, 48), shape as [number, number, number, number]);
      const { value, grad } = tf.valueAndGrad((l: tf.Tensor) => softmaxCrossEntropy(l as tf.Tensor4D, labels))(logits);
      const zx = Float64Array.from(z.slice(0, 48));
      expect(Math.abs(value.dataSync()[0] - ref(zx))).toBeLessThan(1e-5);
      expectClose(grad.dataSync(), numericGrad(ref, zx), 1e-3, 'cross-entropy gradLogits');
      const none = tf.fill([2, 2, 3], 255, 'int32') as tf.Tensor3D;
      const zero = tf.grad((l: tf.Tensor) => softmaxCrossEntropy(l as tf.Tensor4D, none))(logits);
      const zeroLoss = softmaxCrossEntropy(logits, none);
      expect(zeroLoss.dataSync()[0]).toBe(0);
      expect(tf.max(tf.abs(zero)).dataSync()[0]).toBe(0);
      // A confidently wrong pixel (logit gap 200) keeps its exact loss: nothing underflows to log 0.
      const far = tf.tensor4d([200, 0, 0, -50, 0, 1, 2, 3], [1, 1, 2, 4]);
      const farLabels = tf.tensor3d([1, 3], [1, 1, 2], 'int32');
      const farLoss = softmaxCrossEntropy(far, farLabels).dataSync()[0];
      const lse2 = 3 + Math.log(Math.exp(-3) + Math.exp(-2) + Math.exp(-1) + 1);
      expect(Math.abs(farLoss - (200 + (lse2 - 3)) / 2)).toBeLessThan(1e-4);
      tf.dispose([labels, logits, value, grad, none, zero, zeroLoss, far, farLabels]);
    });

    it.each([true, false])('batchNorm with the ReLU fused (training %s) equals batchNorm then ReLU: value and gradients', (training) => {
      const shape: [number, number, number, number] = [2, 5, 6, 7];
      const x = tf.tensor4d(rand(2 * 5 * 6 * 7, 11), shape);
      const gamma = tf.tensor1d(rand(7, 12).map((v) => v + 1.5)); const beta = tf.tensor1d(rand(7, 13));
      const mean = tf.tensor1d(rand(7, 14)); const variance = tf.tensor1d(rand(7, 15).map((v) => v + 1.2));
      const r = tf.tensor(rand(2 * 5 * 6 * 7, 16), shape);
      const run = (fused: boolean) => tf.valueAndGrads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const o = { gamma: g as tf.Tensor1D, beta: b as tf.Tensor1D, mean, variance, training };
        const bn = batchNorm(xx as tf.Tensor4D, { ...o, relu: fused });
        [bn.batchMean, bn.batchVarUnbiased].forEach((t) => t?.dispose());
        return tf.sum(tf.mul(fused ? bn.y : tf.relu(bn.y), r));
      })([x, gamma, beta]);
      const a = run(true); const b = run(false);
      expect(Math.abs(a.value.dataSync()[0] - b.value.dataSync()[0])).toBeLessThan(1e-4);
      a.grads.forEach((g, i) => expect(relError(g.dataSync(), b.grads[i].dataSync()), `grad ${i}`).toBeLessThan(1e-5));
      tf.dispose([x, gamma, beta, mean, variance, r, a.value, b.value, ...a.grads, ...b.grads]);
    });

    it('addRelu: max(a + b, 0) with its gradient, as Add then ReLU', () => {
      const a = randT([2, 4, 5, 6], 31); const b = randT([2, 4, 5, 6], 32); const r = randT([2, 4, 5, 6], 33);
      const fused = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(addRelu(x as tf.Tensor4D, y as tf.Tensor4D), r)))([a, b]);
      const plain = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.add(x, y)), r)))([a, b]);
      expect(Math.abs(fused.value.dataSync()[0] - plain.value.dataSync()[0])).toBeLessThan(1e-5);
      fused.grads.forEach((g, i) => expectClose(g.dataSync(), plain.grads[i].dataSync(), 1e-6, `grad ${i}`));
      tf.dispose([a, b, r, fused.value, plain.value, ...fused.grads, ...plain.grads]);
    });

    const MM_CASES: Array<[string, number[], number[], boolean, boolean]> = [
      ['2-D', [5, 4], [4, 3], false, false],
      ['2-D A·Bᵀ', [5, 4], [3, 4], false, true],
      ['2-D Aᵀ·B', [4, 5], [4, 3], true, false],
      ['3-D batch 3 Aᵀ·Bᵀ', [3, 4, 5], [3, 6, 4], true, true],
      ['3-D batch 3', [3, 5, 4], [3, 4, 6], false, false],
      ['3-D B broadcast', [3, 5, 4], [1, 4, 6], false, false],
      ['3-D A broadcast, A·Bᵀ', [1, 5, 4], [3, 6, 4], false, true],
    ];
    it.each(MM_CASES)('matmul %s: value against loops, gradients by finite differences', (_n, sa, sb, ta, tb) => {
      const a = randT(sa, 18) as tf.Tensor3D; const b = randT(sb, 19) as tf.Tensor3D;
      const y = matmul(a, b, ta, tb);
      const A = a.rank === 2 ? tf.expandDims(a, 0) : a; const B = b.rank === 2 ? tf.expandDims(b, 0) : b;
      const [ad, bd] = [A.arraySync() as number[][][], B.arraySync() as number[][][]];
      const get = (m: number[][][], bi: number, i: number, j: number, t: boolean) => m[Math.min(bi, m.length - 1)][t ? j : i][t ? i : j];
      const nb = Math.max(ad.length, bd.length);
      const [, a1, a2] = A.shape as number[]; const [, b1, b2] = B.shape as number[];
      const rows = ta ? a2 : a1; const inner = ta ? a1 : a2; const cols = tb ? b1 : b2;
      const expected: number[] = [];
      for (let bi = 0; bi < nb; bi++) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
        let s = 0; for (let k = 0; k < inner; k++) s += get(ad, bi, i, k, ta) * get(bd, bi, k, j, tb);
        expected.push(s);
      }
      expectClose(y.dataSync(), expected, 1e-5, 'matmul value');
      const r = randT(y.shape, 20);
      expect(directionalCheck((aa) => tf.sum(tf.mul(matmul(aa as tf.Tensor3D, b, ta, tb), r)) as tf.Scalar, a, 21)).toBeLessThan(1e-4);
      expect(directionalCheck((bb) => tf.sum(tf.mul(matmul(a, bb as tf.Tensor3D, ta, tb), r)) as tf.Scalar, b, 22)).toBeLessThan(1e-4);
      // The gradient of tf.matMul itself (the replaced BatchMatMul gradient) with transposes.
      const ga = tf.grad((aa: tf.Tensor) => tf.sum(tf.mul(tf.matMul(aa, b, ta, tb), r)))(a);
      const ga2 = tf.grad((aa: tf.Tensor) => tf.sum(tf.mul(matmul(aa as tf.Tensor3D, b, ta, tb), r)))(a);
      expect(relError(ga.dataSync(), ga2.dataSync())).toBeLessThan(1e-5);
      tf.dispose([a, b, y, A, B, r, ga, ga2]);
    });

    it('conv, resize, batchNorm, cross-entropy and matmul gradients do not leak', async () => {
      const x = randT([2, 8, 8, 3], 23); const w = randT([3, 3, 3, 4], 24);
      const gamma = tf.ones([4]) as tf.Tensor1D; const beta = tf.zeros([4]) as tf.Tensor1D;
      const labels = tf.tensor3d(Array.from({ length: 2 * 16 * 16 }, (_, i) => (i % 7 === 0 ? 255 : i % 4)), [2, 16, 16], 'int32');
      await expectNoLeak(() => {
        const grads = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => {
          const y = conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, { dilation: 2, pad: 2 });
          const bn = batchNorm(y, { gamma, beta, mean: gamma, variance: gamma, training: true });
          tf.dispose([bn.batchMean!, bn.batchVarUnbiased!]);
          const up = resizeBilinear(bn.y, [16, 16]);
          const sim = matmul(tf.reshape(up, [2, 256, 4]) as tf.Tensor3D, tf.reshape(up, [2, 256, 4]) as tf.Tensor3D, false, true);
          return tf.add(softmaxCrossEntropy(up, labels), tf.mul(tf.mean(sim), 1e-3)) as tf.Scalar;
        })([x, w]);
        tf.dispose(grads);
      });
      tf.dispose([x, w, gamma, beta, labels]);
    });
  });
}
