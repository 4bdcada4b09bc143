// Checks that a process using threaded wasm exits by itself once its work is done (the pthread
// workers and plca's kernel workers must not keep the event loop alive), and that plca's kernels
// agree with the stock path when they run on 2 threads: `npx tsx scripts/bench_engine_exit.ts`
// prints the engine info, a conv sum and the largest relative difference of a convolution's
// value and gradients between the two, and returns without calling process.exit.
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, conv2d } from '../src/engine/index.js';
import { setOwnKernelsEnabled } from '../src/engine/kernels/conv.js';

const info = await initEngine({ backend: 'wasm', threads: 2 });
const y = conv2d(tf.ones([2, 32, 32, 16]) as tf.Tensor4D, tf.ones([3, 3, 16, 16]) as tf.Tensor4D, { pad: 1, dilation: 1 });

// value and both gradients of a dilated conv and a strided 1×1 conv, own kernels vs stock
const x = tf.randomNormal([2, 33, 31, 24]) as tf.Tensor4D;
const w3 = tf.randomNormal([3, 3, 24, 40]) as tf.Tensor4D;
const w1 = tf.randomNormal([1, 1, 24, 40]) as tf.Tensor4D;
const r = tf.randomNormal([2, 33, 31, 40]);
const r1 = tf.randomNormal([2, 17, 16, 40]);
const run = (): Float32Array[] => {
  const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.add(
    tf.sum(tf.mul(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, { pad: 2, dilation: 2 }), r)),
    tf.sum(tf.mul(conv2d(a as tf.Tensor4D, c as tf.Tensor4D, { stride: 2 }), r1)));
  const { value, grads } = tf.valueAndGrads(f)([x, w3, w1]);
  return [value, ...grads].map((t) => t.dataSync() as Float32Array);
};
const own = run();
setOwnKernelsEnabled(false);
const stock = run();
let diff = 0;
own.forEach((a, i) => {
  let scale = 0;
  for (const v of stock[i]) scale = Math.max(scale, Math.abs(v));
  for (let j = 0; j < a.length; j++) diff = Math.max(diff, Math.abs(a[j] - stock[i][j]) / scale);
});
console.log(JSON.stringify({ ...info, sum: (await tf.sum(y).data())[0], ownVsStock: diff }));
