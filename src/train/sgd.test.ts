import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../engine/index.js';
import { Sgd } from './sgd.js';
import { expectNoLeak } from '../../test/helpers/expect_tensors.js';

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
});

/** torch.optim.SGD(momentum=μ, weight_decay=wd, dampening=0, nesterov=False).step(), written out in float64. */
function torchSgd(p: number[], grads: number[][], lrs: number[], mu: number, wd: number): number[] {
  let buf: number[] | undefined;
  const x = [...p];
  grads.forEach((g, t) => {
    const d = g.map((gi, i) => gi + wd * x[i]);
    buf = buf === undefined ? d : buf.map((b, i) => mu * b + d[i]);
    for (let i = 0; i < x.length; i++) x[i] -= lrs[t] * buf[i];
  });
  return x;
}

describe('Sgd', () => {
  it('follows PyTorch semantics: decay added to the gradient, v ← μv + g, p ← p − lr·v', () => {
    const p0 = [0.5, -1.25, 2, 0.125];
    const grads = [[0.1, -0.2, 0.3, 0], [0.4, 0.1, -0.5, 0.25], [-0.3, 0.2, 0.1, 1]];
    const lrs = [0.1, 0.05, 0.02];
    const p = tf.variable(tf.tensor1d(p0));
    const sgd = new Sgd({ momentum: 0.9, weightDecay: 0.01 });
    const params = new Map([['w', p]]);
    grads.forEach((g, t) => {
      const gt = tf.tensor1d(g);
      sgd.step(params, new Map([['w', gt]]), () => lrs[t]);
      gt.dispose();
    });
    const want = torchSgd(p0, grads, lrs, 0.9, 0.01);
    const got = Array.from(p.dataSync());
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-6));
    // The first buffer is the decayed gradient itself (PyTorch clones d_p on the first step).
    expect(sgd.state().get('w')!.shape).toEqual([4]);
    sgd.dispose();
    p.dispose();
  });

  it('uses each parameter\'s own learning rate and skips parameters without a gradient', () => {
    const a = tf.variable(tf.tensor1d([1, 1]));
    const b = tf.variable(tf.tensor1d([1, 1]));
    const sgd = new Sgd({ momentum: 0.9, weightDecay: 0.5 });
    const g = tf.tensor1d([1, -1]);
    sgd.step(new Map([['a', a], ['b', b]]), new Map([['a', g]]), (n) => (n === 'a' ? 0.1 : 1));
    // a: d = g + 0.5·a = [1.5, -0.5]; a − 0.1·d
    expect(Array.from(a.dataSync())).toEqual([Math.fround(1 - 0.1 * 1.5), Math.fround(1 + 0.1 * 0.5)]);
    expect(Array.from(b.dataSync())).toEqual([1, 1]);
    expect(sgd.state().has('b')).toBe(false);
    sgd.dispose();
    tf.dispose([a, b, g]);
  });

  it('reloads its buffers exactly and does not leak tensors across steps', async () => {
    const p = tf.variable(tf.randomNormal([3, 3], 0, 1, 'float32', 1));
    const g = tf.randomNormal([3, 3], 0, 1, 'float32', 2);
    const params = new Map([['p', p]]);
    const sgd = new Sgd();
    await expectNoLeak(() => sgd.step(params, new Map([['p', g]]), () => 0.01));
    const copy = new Sgd();
    copy.load(new Map([['p', { shape: [3, 3], data: sgd.state().get('p')!.dataSync() as Float32Array }]]));
    expect(Array.from(copy.state().get('p')!.dataSync())).toEqual(Array.from(sgd.state().get('p')!.dataSync()));
    tf.dispose([p, g]);
    sgd.dispose();
    copy.dispose();
  });
});
