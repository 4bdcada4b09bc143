// GroupNorm checks on one backend (backends are process-global: group_norm_{cpu,wasm}.test.ts each
// run this in their own process): the value against a float64 host computation, the x/γ/β
// gradients against central finite differences of that computation and against the autodiff
// gradient of the plain formula, and no tensor leak.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, groupNorm } from '../../src/engine/index.js';
import { expectClose, expectNoLeak } from '../helpers/expect_tensors.js';

function rand(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return out;
}

/** Float64 group norm, NHWC row-major. */
function hostGroupNorm(x: Float64Array, shape: number[], gamma: Float64Array, beta: Float64Array, groups: number, eps = 1e-5): Float64Array {
  const [n, h, w, c] = shape;
  const cg = c / groups;
  const y = new Float64Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let g = 0; g < groups; g++) {
      const idx: number[] = [];
      for (let p = 0; p < h * w; p++) for (let j = 0; j < cg; j++) idx.push((b * h * w + p) * c + g * cg + j);
      const mu = idx.reduce((s, i) => s + x[i], 0) / idx.length;
      const v = idx.reduce((s, i) => s + (x[i] - mu) ** 2, 0) / idx.length;
      const r = 1 / Math.sqrt(v + eps);
      for (const i of idx) y[i] = (x[i] - mu) * r * gamma[i % c] + beta[i % c];
    }
  }
  return y;
}

/** The plain formula, differentiated by autodiff: the reference for the closed form. */
function plainGroupNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, eps = 1e-5): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const g = tf.reshape(x, [n, h, w, groups, c / groups]);
  const { mean, variance } = tf.moments(g, [1, 2, 4], true);
  const norm = tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(tf.reshape(norm, [n, h, w, c]), gamma), beta) as tf.Tensor4D;
}

function numericGrad(f: (v: Float64Array) => number, v: Float64Array, step = 1e-5): Float64Array {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const p = Float64Array.from(v); p[i] += step;
    const m = Float64Array.from(v); m[i] -= step;
    g[i] = (f(p) - f(m)) / (2 * step);
  }
  return g;
}

export function groupNormSuite(backend: 'cpu' | 'wasm'): void {
  describe(`groupNorm on ${backend}`, () => {
    beforeAll(async () => { await initEngine({ backend }); });
    const shape = [2, 3, 4, 8];
    const groups = 4;
    const size = shape.reduce((a, b) => a * b, 1);
    // an offset and per-image scale so the statistics matter
    const xv = rand(size, 1).map((v, i) => 0.5 + v * (i < size / 2 ? 1 : 3));
    const gv = rand(8, 2, 0.5, 1.5);
    const bv = rand(8, 3);
    const wv = rand(size, 4); // loss weights: L = Σ y·w
    const tensors = () => ({
      x: tf.tensor4d(Float32Array.from(xv), shape as [number, number, number, number]),
      gamma: tf.tensor1d(Float32Array.from(gv)),
      beta: tf.tensor1d(Float32Array.from(bv)),
      w: tf.tensor4d(Float32Array.from(wv), shape as [number, number, number, number]),
    });
    const loss = (y: Float64Array) => y.reduce((s, v, i) => s + v * wv[i], 0);
    const grads = (f: typeof groupNorm) => tf.tidy(() => {
      const { x, gamma, beta, w } = tensors();
      const gs = tf.grads((a, b, c) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor1D, c as tf.Tensor1D, groups), w)))([x, gamma, beta]);
      return gs.map((g) => g.dataSync());
    });

    it('matches a float64 host computation', () => {
      const y = tf.tidy(() => { const { x, gamma, beta } = tensors(); return groupNorm(x, gamma, beta, groups).dataSync(); });
      expectClose(y, hostGroupNorm(xv, shape, gv, bv, groups), 1e-5, 'value');
    });

    it('x, γ, β gradients match central finite differences in float64', () => {
      const [dx, dg, db] = grads(groupNorm);
      expectClose(dx, numericGrad((v) => loss(hostGroupNorm(v, shape, gv, bv, groups)), xv), 1e-4, 'dx');
      expectClose(dg, numericGrad((v) => loss(hostGroupNorm(xv, shape, v, bv, groups)), gv), 1e-4, 'dγ');
      expectClose(db, numericGrad((v) => loss(hostGroupNorm(xv, shape, gv, v, groups)), bv), 1e-4, 'dβ');
    });

    it('gradients match the autodiff gradient of the plain formula', () => {
      const ours = grads(groupNorm);
      const plain = grads(plainGroupNorm);
      ours.forEach((g, i) => expectClose(g, plain[i], 1e-4, ['dx', 'dγ', 'dβ'][i]));
    });

    it('rejects channels not divisible by groups', () => {
      tf.tidy(() => {
        const { x, gamma, beta } = tensors();
        expect(() => groupNorm(x, gamma, beta, 3)).toThrow(/divisible/);
      });
    });

    it('leaks no tensors (forward and gradients)', async () => {
      const { x, gamma, beta, w } = tensors();
      await expectNoLeak(() => {
        const gs = tf.grads((a, b, c) => tf.sum(tf.mul(groupNorm(a as tf.Tensor4D, b as tf.Tensor1D, c as tf.Tensor1D, groups), w)))([x, gamma, beta]);
        tf.dispose(gs);
        groupNorm(x, gamma, beta, groups).dispose();
      });
      tf.dispose([x, gamma, beta, w]);
    });
  });
}
