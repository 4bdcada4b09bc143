import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/index.js';
import { expectClose, expectNoLeak } from '../../test/helpers/expect_tensors.js';
import { cosineSimilarity, negKlSimilarity } from './similarity.js';
import { contrastNormalize, contrastSoftmax } from './contrast_normalize.js';
import { stopGradient } from './stop_gradient.js';

beforeAll(async () => { await initEngine({ backend: 'cpu' }); });

/** Pixel rows of an [1, H, W, C] array as plain vectors. */
function rows(data: number[], l: number, c: number): number[][] {
  return Array.from({ length: l }, (_, i) => data.slice(i * c, (i + 1) * c));
}

describe('cosineSimilarity', () => {
  it('equals the cosine of every pixel pair (Eq. 1)', () => {
    const a = Array.from({ length: 2 * 3 * 4 }, (_, k) => Math.sin(k + 1));
    const b = Array.from({ length: 1 * 2 * 4 }, (_, k) => Math.cos(2 * k + 1));
    const s = cosineSimilarity(tf.tensor4d(a, [1, 2, 3, 4]), tf.tensor4d(b, [1, 1, 2, 4]));
    expect(s.shape).toEqual([1, 6, 2]);
    const ra = rows(a, 6, 4);
    const rb = rows(b, 2, 4);
    const norm = (v: number[]) => Math.hypot(...v);
    const want = ra.flatMap((u) => rb.map((v) => u.reduce((acc, x, k) => acc + x * v[k], 0) / (norm(u) * norm(v))));
    expectClose(s.dataSync(), want, 1e-5);
  });
  it('names the op and shapes on a channel mismatch', () => {
    expect(() => cosineSimilarity(tf.zeros([1, 2, 2, 3]) as tf.Tensor4D, tf.zeros([1, 2, 2, 4]) as tf.Tensor4D))
      .toThrow(/cosineSimilarity: x \[1, 2, 2, 3\] and ref \[1, 2, 2, 4\]/);
    expect(() => cosineSimilarity(tf.zeros([2, 2, 3]) as unknown as tf.Tensor4D, tf.zeros([1, 2, 2, 3]) as tf.Tensor4D))
      .toThrow(/x must be rank 4/);
  });
});

describe('negKlSimilarity', () => {
  it('equals −KL(p_i ‖ q_j) with log(· + 1e-10), and is asymmetric (Eq. 9)', () => {
    const p = [0.7, 0.2, 0.1, 0.1, 0.1, 0.8];
    const q = [0.3, 0.3, 0.4, 0, 0.5, 0.5];
    const s12 = negKlSimilarity(tf.tensor4d(p, [1, 1, 2, 3]), tf.tensor4d(q, [1, 1, 2, 3]));
    const s21 = negKlSimilarity(tf.tensor4d(q, [1, 1, 2, 3]), tf.tensor4d(p, [1, 1, 2, 3]));
    const kl = (u: number[], v: number[]) => u.reduce((a, x, c) => a + x * (Math.log(x + 1e-10) - Math.log(v[c] + 1e-10)), 0);
    const rp = rows(p, 2, 3);
    const rq = rows(q, 2, 3);
    expectClose(s12.dataSync(), rp.flatMap((u) => rq.map((v) => -kl(u, v))), 1e-5);
    expectClose(s21.dataSync(), rq.flatMap((u) => rp.map((v) => -kl(u, v))), 1e-5);
    expect(Math.abs(s12.dataSync()[1] - s21.dataSync()[2])).toBeGreaterThan(0.1);
  });
});

describe('contrastNormalize', () => {
  it('uses the unbiased std plus 1e-10 and makes softmax rows sum to 1 (Eq. 5–6)', () => {
    const x = [1, 2, 4, 8, -1, 0, 0, 3];
    const y = contrastNormalize(tf.tensor2d(x, [2, 4])).dataSync();
    for (const r of [0, 1]) {
      const v = x.slice(4 * r, 4 * r + 4);
      const m = v.reduce((a, b) => a + b) / 4;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / 3);
      expectClose(y.slice(4 * r, 4 * r + 4), v.map((e) => (e - m) / (sd + 1e-10)), 1e-6);
    }
    const sums = tf.sum(contrastSoftmax(tf.tensor2d(x, [2, 4])), 1).dataSync();
    expectClose(sums, [1, 1], 1e-6);
  });
  it('treats mean and std as constants in the backward pass', () => {
    const x = tf.tensor2d([1, 2, 4, 8], [1, 4]);
    const w = tf.tensor2d([0.3, -1, 2, 0.5], [1, 4]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(contrastNormalize(a), w)))(x).dataSync();
    const m = 15 / 4;
    const sd = Math.sqrt([1, 2, 4, 8].reduce((a, b) => a + (b - m) ** 2, 0) / 3);
    // with detached statistics, d/dx of w·(x − μ)/(σ + ε) is w/(σ + ε); an undetached σ would differ
    expectClose(g, [0.3, -1, 2, 0.5].map((v) => v / sd), 1e-6);
  });
  it('stopGradient passes values and blocks gradients; nothing leaks', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    expect(Array.from(stopGradient(x).dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(stopGradient(a), a)))(x).dataSync())).toEqual([1, 2, 3]);
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const o = tf.ones([1, 2, 2, 3]) as tf.Tensor4D;
    await expectNoLeak(() => {
      tf.dispose([contrastSoftmax(a), cosineSimilarity(o, o), negKlSimilarity(o, o)]);
      tf.grad((t: tf.Tensor) => tf.sum(contrastNormalize(t)))(a).dispose();
    });
  });
});
