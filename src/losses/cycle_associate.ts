// Cycle association (Eq. 2–3) on dense score matrices: source i → target j* → source i*.
// Ported from: kgl-prml/Pixel-Level-Cycle-Association solver/loss.py (AssociationLoss.cycle_associate)
// Changes: scores are log-probabilities (the factors are summed, not multiplied); indices returned
// as plain arrays because they are detached in the reference.
import * as tf from '@tensorflow/tfjs-core';
import { assertRank } from '../util/assert.js';
import { check } from '../util/errors.js';
import { gatherRows } from './gather_rows.js';

export interface CycleAssociation {
  /** log p_s→t(i, j*) + log p_t→s(j*, i*), differentiable. [N, L1] */
  logProduct: tf.Tensor2D;
  /** j* for each source pixel, flat target index. Length N·L1, row-major [N, L1]. */
  midIndex: Int32Array;
  /** i* reached back from j*, flat source index. Length N·L1. */
  endIndex: Int32Array;
}

/**
 * Associates each source pixel with its most similar target pixel j* (Eq. 2) and that target pixel
 * with its most similar source pixel i* (Eq. 3). Indices are detached, as the reference.
 * @param logP12 [N, L1, L2] log of the source→target association probabilities (row-softmax)
 * @param logP21 [N, L2, L1] log of the target→source probabilities
 * @see Eq. (2), Eq. (3)
 */
export function cycleAssociate(logP12: tf.Tensor3D, logP21: tf.Tensor3D): CycleAssociation {
  assertRank(logP12, 3, 'cycleAssociate', 'logP12', '[N,L1,L2]');
  assertRank(logP21, 3, 'cycleAssociate', 'logP21', '[N,L2,L1]');
  const [n, l1, l2] = logP12.shape;
  check(logP21.shape[0] === n && logP21.shape[1] === l2 && logP21.shape[2] === l1, 'cycleAssociate',
    `logP21 must be [${n}, ${l2}, ${l1}], got [${logP21.shape.join(', ')}]`);
  const mid = tf.tidy(() => tf.argMax(logP12, -1)).dataSync() as Int32Array; // [N·L1]
  const back = tf.tidy(() => tf.argMax(logP21, -1)).dataSync() as Int32Array; // [N·L2]
  const midIndex = Int32Array.from(mid);
  const endIndex = new Int32Array(n * l1);
  const flatMid = new Int32Array(n * l1); // index into [N·L1·L2]
  const flatBack = new Int32Array(n * l1); // index into [N·L2]
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < l1; i++) {
      const k = b * l1 + i;
      endIndex[k] = back[b * l2 + midIndex[k]];
      flatMid[k] = k * l2 + midIndex[k];
      flatBack[k] = b * l2 + midIndex[k];
    }
  }
  const logProduct = tf.tidy(() => {
    const a = gatherRows(tf.reshape(logP12, [-1, 1]), flatMid); // log p_s→t(i, j*)
    const maxBack = tf.max(logP21, -1); // [N, L2], log p_t→s(j, i*(j))
    const c = gatherRows(tf.reshape(maxBack, [-1, 1]), flatBack);
    return tf.reshape(tf.add(a, c), [n, l1]) as tf.Tensor2D;
  });
  return { logProduct, midIndex, endIndex };
}
