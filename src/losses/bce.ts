// −log of a probability product, as PyTorch's `nn.BCELoss(x, 1)` per element, taken in the log domain.
import * as tf from '@tensorflow/tfjs-core';

/** PyTorch BCELoss clamps log(x) at −100. */
export const BCE_LOG_CLAMP = -100;
/** PyTorch's BCE backward divides by max((1 − x)·x, 1e-12). */
export const BCE_GRAD_EPS = 1e-12;

const bceFromLog = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const logX = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([logX]);
  return {
    // Value: −max(log x, −100), as the reference's BCELoss with target 1 (Eq. 4 / Eq. 10 summand).
    value: tf.neg(tf.maximum(logX, BCE_LOG_CLAMP)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      // PyTorch: dL/dx = (x − 1) / max((1 − x)x, 1e-12); dL/dlog x = x · dL/dx. This is −1 except
      // for x within 1e-12 of 0 or 1, where PyTorch's eps takes over; we follow it there too.
      return tf.tidy(() => {
        const x = tf.exp(saved[0]);
        const px = tf.mul(tf.sub(1, x), x);
        return tf.mul(dy, tf.neg(tf.div(px, tf.maximum(px, BCE_GRAD_EPS))));
      });
    },
  };
});

/**
 * Elementwise −log(x) from log(x), with PyTorch BCELoss's clamp (value) and eps (gradient).
 * Taking the log of the product as a sum of log-softmaxes avoids the float32 underflow of the
 * product itself at large grids.
 * @param logX any shape, log of a probability
 */
export function bceNegLog<T extends tf.Tensor>(logX: T): T {
  return bceFromLog(logX) as T;
}
