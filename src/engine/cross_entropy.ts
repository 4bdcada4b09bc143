// Softmax cross-entropy with an ignore label, NHWC logits, closed-form gradient. Why: the stock
// composition (logSoftmax, oneHot, mul, sum) runs wasm's scalar Exp three times per step
// (docs/design/engine.md item 5); here one Softmax kernel (XNNPACK on wasm) serves loss and gradient.
import * as tf from '@tensorflow/tfjs-core';
import { check } from '../util/errors.js';

/**
 * Mean over non-ignored pixels of −log softmax(logits)[label]; 0 when every pixel is ignored.
 * Gradient: (softmax − onehot(label)) · valid / max(count, 1).
 * @param logits [N, H, W, K] float32
 * @param labels [N, H, W] int32 class indices in [0, K) or `ignoreIndex`
 */
export function softmaxCrossEntropy(
  logits: tf.Tensor4D, labels: tf.Tensor3D, opts: { ignoreIndex?: number } = {},
): tf.Scalar {
  const ignore = opts.ignoreIndex ?? 255;
  check(logits.rank === 4, 'softmaxCrossEntropy', `logits must be rank 4 [N,H,W,K], got shape [${logits.shape}]`);
  check(labels.rank === 3 && labels.shape.every((d, i) => d === logits.shape[i]), 'softmaxCrossEntropy',
    `labels must be [N,H,W] = [${logits.shape.slice(0, 3)}], got [${labels.shape}]`);
  const k = logits.shape[3];
  return tf.tidy(() => {
    const valid = tf.notEqual(labels, ignore); // [N, H, W] bool
    const validF = tf.expandDims(tf.cast(valid, 'float32'), -1); // [N, H, W, 1]
    // oneHot gives all-zero rows for indices outside [0, K), so ignored pixels pick nothing.
    const target = tf.mul(tf.oneHot(tf.cast(tf.where(valid, labels, tf.fill(labels.shape, -1, 'int32')), 'int32'), k), validF);
    const count = tf.maximum(tf.sum(validF), 1);
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [z, save] = args as [tf.Tensor, tf.GradSaveFunc];
      // p = softmax(z) in one kernel (XNNPACK on wasm). log p_label = z_label − lse, and since
      // max_k p_k = exp(0)/Σexp(z − max z), lse = max z − log max_k p_k: exact, and nothing
      // underflows (max_k p_k ≥ 1/K), unlike log p_label for a confidently wrong pixel.
      const p = tf.softmax(z); // [N, H, W, K]
      const lse = tf.sub(tf.max(z, -1, true), tf.log(tf.max(p, -1, true))); // [N, H, W, 1]
      const zLabel = tf.sum(tf.mul(z, target), -1, true); // 0 at ignored pixels
      const nll = tf.sub(tf.mul(lse, validF), zLabel);
      // Saved (kept past this tidy) rather than closed over: the backward pass runs after it.
      save([p, validF, target, count]);
      return {
        value: tf.div(tf.sum(nll), count),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [ps, vf, tg, n] = saved;
          return tf.mul(tf.sub(tf.mul(ps, vf), tg), tf.div(dy, n));
        },
      };
    });
    return f(logits) as tf.Scalar;
  });
}
