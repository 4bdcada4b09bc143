import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/index.js';
import { expectNoLeak } from '../../test/helpers/expect_tensors.js';
import { lovaszGrad, lovaszSoftmax } from './lovasz_softmax.js';

beforeAll(async () => { await initEngine({ backend: 'cpu' }); });

/**
 * Lovász extension by its definition: Σ_k e_(k) (Δ(M_k) − Δ(M_{k−1})), M_k the k largest errors,
 * Δ(M) = 1 − |fg \ M| / |fg ∪ M| the Jaccard loss of mispredicting M (Berman et al., Eq. 1), Δ(∅) = 0.
 */
function lovaszByDefinition(errors: number[], fg: number[]): number {
  const order = errors.map((e, i) => [e, i]).sort((a, b) => b[0] - a[0]).map((p) => p[1]);
  const delta = (k: number) => {
    if (k === 0) return 0;
    const m = new Set(order.slice(0, k));
    const kept = fg.filter((f, i) => f === 1 && !m.has(i)).length;
    const union = fg.filter((f, i) => f === 1 || m.has(i)).length;
    return 1 - kept / union;
  };
  let loss = 0;
  for (let k = 1; k <= order.length; k++) loss += errors[order[k - 1]] * (delta(k) - delta(k - 1));
  return loss;
}

describe('lovaszSoftmax', () => {
  it('lovaszGrad matches the definition of the Jaccard loss increments', () => {
    const fg = [1, 0, 1, 1, 0];
    const e = [0.9, 0.7, 0.5, 0.3, 0.1]; // already sorted
    const g = lovaszGrad(fg);
    const byDef = lovaszByDefinition(e, fg);
    expect(g.reduce((a, w, k) => a + w * e[k], 0)).toBeCloseTo(byDef, 6);
  });
  it('is 0 for a perfect prediction and ignores void pixels', () => {
    const labels = tf.tensor3d([0, 1, 255, 2], [1, 2, 2], 'int32');
    const probs = tf.tensor4d([1, 0, 0, 0, 1, 0, 0.2, 0.5, 0.3, 0, 0, 1], [1, 2, 2, 3]);
    expect(lovaszSoftmax(probs, labels).dataSync()[0]).toBeCloseTo(0, 7);
    tf.dispose([labels, probs]);
  });
  it('averages the per-class Lovász extension over present classes only', () => {
    const p = [0.6, 0.3, 0.1, 0.2, 0.5, 0.3, 0.1, 0.1, 0.8, 0.4, 0.4, 0.2];
    const lab = [0, 1, 1, 0];
    const probs = tf.tensor4d(p, [1, 2, 2, 3]);
    const labels = tf.tensor3d(lab, [1, 2, 2], 'int32');
    let want = 0;
    for (const c of [0, 1]) {
      const fg = lab.map((l) => (l === c ? 1 : 0));
      want += lovaszByDefinition(fg.map((f, i) => Math.abs(f - p[i * 3 + c])), fg);
    }
    expect(lovaszSoftmax(probs, labels).dataSync()[0]).toBeCloseTo(want / 2, 5);
    const all = lovaszSoftmax(probs, labels, { classes: 'all' }).dataSync()[0];
    const fg2 = [0, 0, 0, 0];
    expect(all).toBeCloseTo((want + lovaszByDefinition(fg2.map((f, i) => Math.abs(f - p[i * 3 + 2])), fg2)) / 3, 5);
    tf.dispose([probs, labels]);
  });
  it('is 0 when every pixel is ignored; nothing leaks; shape errors name the op', async () => {
    const probs = tf.softmax(tf.randomNormal([1, 2, 3, 4], 0, 1, 'float32', 1)) as tf.Tensor4D;
    const labels = tf.fill([1, 2, 3], 255, 'int32') as tf.Tensor3D;
    expect(lovaszSoftmax(probs, labels).dataSync()[0]).toBe(0);
    await expectNoLeak(() => { tf.grad((a: tf.Tensor) => lovaszSoftmax(tf.softmax(a) as tf.Tensor4D, tf.zeros([1, 2, 3], 'int32') as tf.Tensor3D))(probs).dispose(); });
    expect(() => lovaszSoftmax(probs, tf.zeros([1, 3, 2], 'int32') as tf.Tensor3D)).toThrow(/lovaszSoftmax: labels \[1, 3, 2\] must match probs/);
    tf.dispose([probs, labels]);
  });
});
