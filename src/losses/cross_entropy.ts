// Source cross-entropy with an ignore label (Eq. 11), on the engine's softmaxCrossEntropy. NHWC.
import type * as tf from '@tensorflow/tfjs-core';
import { softmaxCrossEntropy } from '../engine/ops.js';
import { assertRank } from '../util/assert.js';
import { check } from '../util/errors.js';

/**
 * Mean over non-ignored pixels of −log softmax(logits)[label] (PyTorch CrossEntropyLoss with
 * ignore_index); 0 when every pixel is ignored.
 * @param logits [N, H, W, K]
 * @param labels int32 [N, H, W]
 * @see Eq. (11)
 */
export function segCrossEntropy(logits: tf.Tensor4D, labels: tf.Tensor3D, opts: { ignoreIndex?: number } = {}): tf.Scalar {
  assertRank(logits, 4, 'segCrossEntropy', 'logits', '[N,H,W,K]');
  assertRank(labels, 3, 'segCrossEntropy', 'labels', '[N,H,W]');
  check(labels.shape.every((d, i) => d === logits.shape[i]), 'segCrossEntropy',
    `labels [${labels.shape.join(', ')}] must match logits [${logits.shape.join(', ')}] on N, H, W`);
  return softmaxCrossEntropy(logits, labels, { ignoreIndex: opts.ignoreIndex ?? 255 });
}
