// Sim-PLCA, the ablation of paper Table 1 ("trained by directly encouraging the pixel-wise
// similarities", §4.3). The paper gives no formula; we define it as Eq. 4 / Eq. 10 with each
// contrastive softmax factor replaced by the raw similarity D of the associated pair:
//   L_sim = −(1/|Î^s|) Σ_{i∈Î^s} [ D(F_i^s, F_j*^t) + D(F_j*^t, F_i*^s) ]
// with the same cycles, positives and (aggregated) target as the contrastive loss. D is the cosine
// (Eq. 1) for features and −KL (Eq. 9) for probabilities, both without contrast normalisation.
import * as tf from '@tensorflow/tfjs-core';
import { gatherRows } from './gather_rows.js';
import { KL_EPS, l2Normalize } from './similarity.js';

/** Rows of x [N, L, C] at per-image pixel indices idx [N·L1] → [N·L1, C]. */
function rowsAt(x: tf.Tensor3D, idx: Int32Array, l1: number): tf.Tensor2D {
  const [n, l, c] = x.shape;
  const flat = Int32Array.from(idx, (v, k) => Math.floor(k / l1) * l + v);
  return gatherRows(tf.reshape(x, [n * l, c]) as tf.Tensor2D, flat);
}

/** −KL(a ‖ b) per row of [M, K] probability rows, Eq. 9 with log(p + 1e-10). */
function negKlRows(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(a, tf.sub(tf.log(tf.add(b, KL_EPS)), tf.log(tf.add(a, KL_EPS)))), -1) as tf.Tensor1D;
}

/**
 * D(i, j*) + D(j*, i*) per source pixel (the Sim-PLCA score), differentiable.
 * @param s [N, L1, C] source map, @param t [N, L2, C] (aggregated) target map
 * @returns [N, L1]
 */
export function similarityOfCycles(s: tf.Tensor3D, t: tf.Tensor3D, mid: Int32Array, end: Int32Array, metric: 'cos' | 'kl'): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, l1, c] = s.shape;
    const si = tf.reshape(s, [n * l1, c]) as tf.Tensor2D;
    const tj = rowsAt(t, mid, l1);
    const se = rowsAt(s, end, l1);
    const score = metric === 'cos'
      ? tf.add(tf.sum(tf.mul(l2Normalize(si), l2Normalize(tj)), -1), tf.sum(tf.mul(l2Normalize(tj), l2Normalize(se)), -1))
      : tf.add(negKlRows(si, tj), negKlRows(tj, se));
    return tf.reshape(score, [n, l1]) as tf.Tensor2D;
  });
}
