import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/index.js';
import { expectNoLeak } from '../../test/helpers/expect_tensors.js';
import { bceNegLog } from './bce.js';

beforeAll(async () => { await initEngine({ backend: 'cpu' }); });

describe('bceNegLog (PyTorch BCELoss with target 1, from log x)', () => {
  it('is −log x, clamped at 100 as PyTorch clamps log at −100', () => {
    const v = bceNegLog(tf.tensor1d([Math.log(0.5), -3, -150])).dataSync();
    expect(v[0]).toBeCloseTo(Math.log(2), 6);
    expect(v[1]).toBeCloseTo(3, 6);
    expect(v[2]).toBe(100);
  });
  it('has gradient −1 w.r.t. log x in the ordinary range and PyTorch eps behaviour near x = 1', () => {
    const g = tf.grad((a: tf.Tensor) => tf.sum(bceNegLog(a)))(tf.tensor1d([-2, -0.5, -1e-14])).dataSync();
    expect(g[0]).toBeCloseTo(-1, 6);
    expect(g[1]).toBeCloseTo(-1, 6);
    // x = exp(-1e-14) rounds to 1 in float32: (1 − x)x = 0 < 1e-12, so PyTorch's gradient is 0
    expect(Math.abs(g[2])).toBe(0);
  });
  it('does not leak', async () => {
    await expectNoLeak(() => tf.tidy(() => { tf.grad((a: tf.Tensor) => tf.sum(bceNegLog(a)))(tf.tensor1d([-1, -2])); }));
  });
});
