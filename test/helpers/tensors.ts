// Plain tensor helpers of the parity tests, without vitest: the browser checks page (test/web)
// runs the same fixture cases through them.
import * as tf from '@tensorflow/tfjs-core';

/**
 * The fixtures' tolerance: max |a − b| / (|b| + floor·max|b|). The floor keeps near-zero
 * entries from dominating (see fixtures/reference/README.md).
 */
export function relError(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-3): number {
  if (actual.length !== expected.length) {
    throw new Error(`length mismatch: ${actual.length} vs ${expected.length}`);
  }
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
  let err = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]) / (Math.abs(expected[i]) + floor * maxAbs + 1e-30);
    if (!(d <= err)) err = Number.isNaN(d) ? Infinity : Math.max(err, d);
  }
  return err;
}

/** NCHW row-major data to an NHWC tensor. */
export function nchwToNhwc(data: number[], shape: number[]): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(data, shape as [number, number, number, number]), [0, 2, 3, 1]));
}

/** NHWC tensor to NCHW row-major data. */
export function nhwcToNchwData(t: tf.Tensor): Float32Array {
  const nchw = tf.transpose(t, [0, 3, 1, 2]);
  const data = nchw.dataSync() as Float32Array;
  nchw.dispose();
  return data;
}
