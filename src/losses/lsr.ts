// Adaptive label-smoothing regulariser (Eq. 13), as the reference's `solver/utils.py: LSR`. NHWC.
import * as tf from '@tensorflow/tfjs-core';
import { assertRank } from '../util/assert.js';
import { stopGradient } from './stop_gradient.js';

export interface LsrOptions {
  /** λ (the reference's LSR_THRES); λ ≤ 0 gives the plain mean of the per-pixel LSR. @default 10 */
  lambda?: number;
}

/**
 * mean over pixels of γ · lsr, lsr = −(1/M) Σ_c log P(c) (the cross-entropy to the uniform
 * distribution) and γ = lsr/λ − 1 held constant in the backward pass. Its gradient equals that of
 * (lsr − λ)²/(2λ): over-confident pixels (lsr > λ) are smoothed, flat ones sharpened. The value is
 * negative whenever lsr < λ.
 * @param logits [N, H, W, M] logits (log-softmax is taken here)
 * @see Eq. (13)
 */
export function lsrLoss(logits: tf.Tensor4D, opts: LsrOptions = {}): tf.Scalar {
  assertRank(logits, 4, 'lsrLoss', 'logits', '[N,H,W,M]');
  const lambda = opts.lambda ?? 10;
  return tf.tidy(() => {
    const lsr = tf.neg(tf.mean(tf.logSoftmax(logits), -1)); // [N, H, W]
    if (!(lambda > 0)) return tf.mean(lsr) as tf.Scalar;
    const gamma = stopGradient(tf.sub(tf.div(lsr, lambda), 1));
    return tf.mean(tf.mul(gamma, lsr)) as tf.Scalar;
  });
}
