import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/index.js';
import { expectClose, expectNoLeak } from '../../test/helpers/expect_tensors.js';
import { lsrLoss } from './lsr.js';

beforeAll(async () => { await initEngine({ backend: 'cpu' }); });

describe('lsrLoss (Eq. 13)', () => {
  const logits = () => tf.randomNormal([2, 3, 4, 5], 0, 6, 'float32', 3) as tf.Tensor4D;
  it('value: mean of (lsr/λ − 1)·lsr with lsr = −mean_c log softmax', () => {
    const x = logits();
    const lp = tf.logSoftmax(x).arraySync() as number[][][][];
    let sum = 0;
    for (const a of lp) for (const b of a) for (const px of b) {
      const lsr = -px.reduce((s, v) => s + v, 0) / px.length;
      sum += (lsr / 10 - 1) * lsr;
    }
    expect(lsrLoss(x).dataSync()[0]).toBeCloseTo(sum / 24, 4);
    x.dispose();
  });
  it('gradient equals that of mean (lsr − λ)²/(2λ), i.e. γ is detached', () => {
    const x = logits();
    const g = tf.grad((a: tf.Tensor) => lsrLoss(a as tf.Tensor4D, { lambda: 4 }))(x);
    const want = tf.grad((a: tf.Tensor) => {
      const lsr = tf.neg(tf.mean(tf.logSoftmax(a), -1));
      return tf.mean(tf.div(tf.square(tf.sub(lsr, 4)), 8));
    })(x);
    expectClose(g.dataSync(), want.dataSync(), 1e-4);
    tf.dispose([x, g, want]);
  });
  it('λ ≤ 0 gives the plain mean lsr; nothing leaks', async () => {
    const x = logits();
    const plain = tf.tidy(() => tf.mean(tf.neg(tf.mean(tf.logSoftmax(x), -1))));
    expect(lsrLoss(x, { lambda: 0 }).dataSync()[0]).toBeCloseTo(plain.dataSync()[0], 6);
    await expectNoLeak(() => { tf.grad((a: tf.Tensor) => lsrLoss(a as tf.Tensor4D))(x).dispose(); });
    expect(() => lsrLoss(tf.zeros([2, 2]) as unknown as tf.Tensor4D)).toThrow(/lsrLoss: logits must be rank 4/);
    tf.dispose([x, plain]);
  });
});
