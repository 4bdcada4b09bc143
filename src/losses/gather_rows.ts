// Row gather with a host-side scatter-add gradient. Why: TF.js's Gather gradient needs the
// UnsortedSegmentSum kernel, which the wasm backend does not register.
import * as tf from '@tensorflow/tfjs-core';

/**
 * x[idx] along axis 0, differentiable on every backend.
 * @param x [R, C] float32
 * @param idx row indices (detached), each in [0, R)
 * @returns [idx.length, C]
 */
export function gatherRows(x: tf.Tensor2D, idx: Int32Array): tf.Tensor2D {
  const [r, c] = x.shape;
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const value = tf.tidy(() => tf.gather(args[0] as tf.Tensor2D, tf.tensor1d(idx, 'int32'))) as tf.Tensor2D;
    return {
      value,
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync();
        const out = new Float32Array(r * c);
        for (let k = 0; k < idx.length; k++) {
          const dst = idx[k] * c;
          const src = k * c;
          for (let j = 0; j < c; j++) out[dst + j] += g[src + j];
        }
        return tf.tensor2d(out, [r, c]);
      },
    };
  });
  return f(x) as tf.Tensor2D;
}
