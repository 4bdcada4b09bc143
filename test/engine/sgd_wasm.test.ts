// Sgd on wasm takes plca's one-pass SGD kernel; it must give what the tfjs-op path gives (the
// path every other backend takes), with and without a momentum buffer, and leak nothing.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { setOwnKernelsEnabled } from '../../src/engine/kernels/conv.js';
import { Sgd } from '../../src/train/sgd.js';
import { expectNoLeak } from '../helpers/expect_tensors.js';

function run(fused: boolean, momentum: number): Float32Array[] {
  const was = setOwnKernelsEnabled(fused);
  try {
    const p = tf.tidy(() => tf.variable(tf.randomNormal([37, 5], 0, 1, 'float32', 1)));
    const q = tf.tidy(() => tf.variable(tf.randomNormal([3, 3, 4, 6], 0, 1, 'float32', 2)));
    const sgd = new Sgd({ momentum, weightDecay: 5e-4 });
    for (let t = 0; t < 3; t++) {
      const grads = new Map([['p', tf.randomNormal(p.shape, 0, 1, 'float32', 10 + t)], ['q', tf.randomNormal(q.shape, 0, 1, 'float32', 20 + t)]]);
      sgd.step(new Map([['p', p], ['q', q]]), grads, (n) => (n === 'p' ? 0.1 : 0.01 * (t + 1)));
      tf.dispose([...grads.values()]);
    }
    const out = [p.dataSync() as Float32Array, q.dataSync() as Float32Array, ...[...sgd.state().values()].map((b) => b.dataSync() as Float32Array)];
    sgd.dispose();
    tf.dispose([p, q]);
    return out;
  } finally {
    setOwnKernelsEnabled(was);
  }
}

describe('Sgd on wasm with plca kernels', () => {
  beforeAll(async () => { await initEngine({ backend: 'wasm' }); });

  it.each([0.9, 0])('momentum %s: same parameters and buffers as the tfjs-op path', (momentum) => {
    const fused = run(true, momentum);
    const ops = run(false, momentum);
    expect(fused.length).toBe(ops.length);
    fused.forEach((a, i) => a.forEach((v, j) => expect(Math.abs(v - ops[i][j])).toBeLessThan(1e-6)));
  });

  it('leaks no tensors', async () => {
    await expectNoLeak(() => { run(true, 0.9); });
  });
});
