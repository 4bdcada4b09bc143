/**
 * Self-training losses on unlabelled target logits, the standard baselines that a domain
 * adaptation method has to beat (issue 14's self-training control). NHWC.
 * - pseudo-labels: cross-entropy to the argmax on pixels whose softmax confidence ≥ threshold
 *   (the labels are constants: argmax and the mask carry no gradient);
 * - entropy minimisation: the mean per-pixel entropy −Σ_k p_k log p_k of the softmax.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertRank } from '../util/assert.js';
import { segCrossEntropy } from './cross_entropy.js';
import { stopGradient } from './stop_gradient.js';

export interface SelfTrainingResult {
  loss: tf.Scalar;
  /** Share of target pixels that carry a pseudo-label (1 for entropy minimisation). */
  keptRatio: tf.Scalar;
}

/**
 * Pseudo-label cross-entropy: pixels below `threshold` confidence get the ignore label.
 * @param logits [N, H, W, K] target logits
 * @param ignoreIndex a label value outside 0..K−1
 */
export function pseudoLabelLoss(logits: tf.Tensor4D, threshold: number, ignoreIndex = 255): SelfTrainingResult {
  assertRank(logits, 4, 'pseudoLabelLoss', 'logits', '[N,H,W,K]');
  const [labels, keptRatio] = tf.tidy(() => {
    const p = tf.softmax(stopGradient(logits));
    const keep = tf.greaterEqual(tf.max(p, -1), threshold);
    const lab = tf.where(keep, tf.cast(tf.argMax(p, -1), 'int32'), tf.fill(keep.shape, ignoreIndex, 'int32')) as tf.Tensor3D;
    return [lab, tf.mean(tf.cast(keep, 'float32')) as tf.Scalar] as const;
  });
  const loss = segCrossEntropy(logits, labels, { ignoreIndex });
  labels.dispose();
  return { loss, keptRatio };
}

/** Mean per-pixel softmax entropy (nats). @param logits [N, H, W, K] */
export function entropyLoss(logits: tf.Tensor4D): SelfTrainingResult {
  assertRank(logits, 4, 'entropyLoss', 'logits', '[N,H,W,K]');
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const ent = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1));
    return { loss: tf.mean(ent) as tf.Scalar, keptRatio: tf.scalar(1) };
  });
}
