// Stop-gradient for TF.js, NHWC-agnostic. TF.js has no public stopGradient op; the paper's contrast
// normalisation (Eq. 5–6, detached mean/std as the reference) and LSR (Eq. 13, detached γ) need one.
import * as tf from '@tensorflow/tfjs-core';

const stop = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/** Identity in the forward pass, zero gradient in the backward pass (PyTorch `.detach()`). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stop(x) as T;
}
