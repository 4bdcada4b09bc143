import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/index.js';
import { expectClose, expectNoLeak } from '../../test/helpers/expect_tensors.js';
import { aggregationWeights, spatialAggregate } from './spatial_aggregation.js';
import { flattenPixels } from './similarity.js';

beforeAll(async () => { await initEngine({ backend: 'cpu' }); });

function sample(metric: 'cos' | 'kl'): tf.Tensor4D {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 4, 5, 6], 0, 1.5, 'float32', metric === 'cos' ? 1 : 2) as tf.Tensor4D;
    return metric === 'kl' ? (tf.softmax(x) as tf.Tensor4D) : x;
  });
}

describe('spatialAggregate', () => {
  for (const metric of ['cos', 'kl'] as const) {
    it(`${metric}: blocked (3 rows) equals dense, value and gradient through both sides`, () => {
      const x = sample(metric);
      const up = tf.randomNormal(x.shape, 0, 1, 'float32', 9);
      const f = (blockRows: 'none' | number) => tf.valueAndGrad((a: tf.Tensor) =>
        tf.sum(tf.mul(spatialAggregate(a as tf.Tensor4D, { metric, blockRows }), up)))(x);
      const d = f('none');
      const b = f(3);
      expectClose(b.value.dataSync(), d.value.dataSync(), 1e-5);
      expectClose(b.grad.dataSync(), d.grad.dataSync(), 1e-4);
      tf.dispose([x, up, d.value, d.grad, b.value, b.grad]);
    });
  }
  it('mixes (1 − α)x + α Σ_j′ w_jj′ x_j′ with rows of w summing to 1 (Eq. 7–8)', () => {
    const x = sample('cos');
    const w = aggregationWeights(flattenPixels(x), 'cos');
    expectClose(tf.sum(w, -1).dataSync(), new Array(40).fill(1), 1e-5);
    const mixed = spatialAggregate(x, { metric: 'cos', alpha: 0.25 });
    const want = tf.tidy(() => tf.add(tf.mul(flattenPixels(x), 0.75), tf.mul(tf.matMul(w, flattenPixels(x)), 0.25)));
    expectClose(mixed.dataSync(), want.dataSync(), 1e-5);
    const same = spatialAggregate(x, { metric: 'cos', alpha: 0 });
    expectClose(same.dataSync(), x.dataSync(), 1e-6);
    tf.dispose([x, w, mixed, want, same]);
  });
  it('cos weights are contrast-normalised, kl weights are a plain softmax of −KL', () => {
    const x = sample('kl');
    const xf = flattenPixels(x);
    const wKl = aggregationWeights(xf, 'kl');
    const row0 = tf.tidy(() => {
      const p = tf.slice(xf, [0, 0, 0], [1, 1, 6]);
      const negKl = tf.neg(tf.sum(tf.mul(p, tf.sub(tf.log(tf.add(p, 1e-10)), tf.log(tf.add(xf.slice([0, 0, 0], [1, 20, 6]), 1e-10)))), -1));
      return tf.softmax(negKl);
    });
    expectClose(wKl.slice([0, 0, 0], [1, 1, 20]).dataSync(), row0.dataSync(), 1e-5);
    tf.dispose([x, xf, wKl, row0]);
  });
  it('rejects bad options and does not leak', async () => {
    const x = sample('cos');
    expect(() => spatialAggregate(x, { metric: 'cos', alpha: -0.1 })).toThrow(/alpha must lie in \[0, 1\], got -0.1/);
    expect(() => spatialAggregate(tf.zeros([2, 3]) as unknown as tf.Tensor4D, { metric: 'cos' })).toThrow(/x must be rank 4/);
    await expectNoLeak(() => {
      spatialAggregate(x, { metric: 'kl', blockRows: 7 }).dispose();
      tf.grad((a: tf.Tensor) => tf.sum(spatialAggregate(a as tf.Tensor4D, { metric: 'cos', blockRows: 7 })))(x).dispose();
    });
    x.dispose();
  });
});
