// Pixel similarities between two feature maps (NHWC inputs, [N, L1, L2] outputs, L = H·W in
// row-major pixel order). The reference computes these in NCHW; the flat pixel index is the same.
import * as tf from '@tensorflow/tfjs-core';
import { matmul } from '../engine/ops.js';
import { assertRank, assertSameShape } from '../util/assert.js';

/** Epsilon inside the logarithm of the negative KL (Eq. 9), as the reference's `compute_sim_mat_kl`. */
export const KL_EPS = 1e-10;
/** PyTorch `F.normalize` eps: x / max(‖x‖, eps). */
export const NORMALIZE_EPS = 1e-12;

/** [N, H, W, C] → [N, H·W, C]. */
export function flattenPixels(x: tf.Tensor4D): tf.Tensor3D {
  const [n, h, w, c] = x.shape;
  return tf.reshape(x, [n, h * w, c]);
}

const l2NormalizeOp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  const [y, d, live] = tf.tidy(() => {
    const norm = tf.sqrt(tf.sum(tf.square(x), -1, true));
    const den = tf.maximum(norm, NORMALIZE_EPS);
    return [tf.div(x, den), den, tf.cast(tf.greater(norm, NORMALIZE_EPS), 'float32')];
  });
  save([y, d, live]);
  return {
    value: y,
    // d(x/‖x‖) = (dy − y (y·dy)) / ‖x‖ while ‖x‖ > eps, dy/eps on the clamped branch. Written out so
    // the backward pass holds one [L, C] temporary at a time instead of autodiff's several (the
    // 92×92 association works on 8464 × 2048 maps).
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [yy, den, on] = saved;
      // a customGrad body is not run under tidy by the engine: without one, the temporaries would
      // live until the whole backward pass ends
      return tf.tidy(() => tf.div(tf.sub(dy, tf.mul(yy, tf.mul(tf.sum(tf.mul(yy, dy), -1, true), on))), den));
    },
  };
});

/**
 * Gradient of x ↦ x / max(‖x‖, 1e-12) (last axis) at x for upstream dy, recomputing the norm: for
 * custom gradients that keep only the raw input.
 */
export function l2NormalizeBackward<T extends tf.Tensor>(x: T, dy: T): T {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.sum(tf.square(x), -1, true));
    const den = tf.maximum(norm, NORMALIZE_EPS);
    const y = tf.div(x, den);
    const on = tf.cast(tf.greater(norm, NORMALIZE_EPS), 'float32');
    return tf.div(tf.sub(dy, tf.mul(y, tf.mul(tf.sum(tf.mul(y, dy), -1, true), on))), den) as T;
  });
}

/** L2-normalises the last axis as PyTorch's `F.normalize(x, dim=-1)`: x / max(‖x‖, 1e-12). */
export function l2Normalize<T extends tf.Tensor>(x: T): T {
  return l2NormalizeOp(x) as T;
}

function checkPair(x: tf.Tensor4D, ref: tf.Tensor4D, op: string): void {
  assertRank(x, 4, op, 'x', '[N,H,W,C]');
  assertRank(ref, 4, op, 'ref', '[N,H,W,C]');
  assertSameShape(x, ref, op, ['x', 'ref'], [0, 3]);
}

/**
 * Cosine similarity of every pixel of `x` with every pixel of `ref` (Eq. 1).
 * The reverse direction is the transpose of the same matrix.
 * @param x [N, H, W, C] float32
 * @param ref [N, H', W', C] float32
 * @returns [N, H·W, H'·W'] cosine similarities
 * @see Eq. (1)
 */
export function cosineSimilarity(x: tf.Tensor4D, ref: tf.Tensor4D): tf.Tensor3D {
  checkPair(x, ref, 'cosineSimilarity');
  return tf.tidy(() => cosineSimilarityFlat(flattenPixels(x), flattenPixels(ref)));
}

/** `cosineSimilarity` on pixel-flattened maps [N, L1, C], [N, L2, C] → [N, L1, L2]. */
export function cosineSimilarityFlat(x: tf.Tensor3D, ref: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const a = l2Normalize(x); // [N, L1, C]
    const b = l2Normalize(ref); // [N, L2, C]
    return matmul(a, b, false, true); // [N, L1, C] x [N, C, L2] -> [N, L1, L2]
  });
}

/**
 * Negative KL divergence −KL(p_i ‖ q_j) between the class distributions of every pixel of `p` and
 * every pixel of `q` (Eq. 9), computed as the reference: Σ_c p log(q+ε) − Σ_c p log(p+ε), ε = 1e-10.
 * Asymmetric: the reverse direction is `negKlSimilarity(q, p)`, not the transpose.
 * @param p [N, H, W, K] probabilities (softmax over K)
 * @param q [N, H', W', K] probabilities
 * @returns [N, H·W, H'·W']
 * @see Eq. (9)
 */
export function negKlSimilarity(p: tf.Tensor4D, q: tf.Tensor4D): tf.Tensor3D {
  checkPair(p, q, 'negKlSimilarity');
  return tf.tidy(() => negKlSimilarityFlat(flattenPixels(p), flattenPixels(q)));
}

/** `negKlSimilarity` on pixel-flattened maps [N, L1, K], [N, L2, K] → [N, L1, L2]. */
export function negKlSimilarityFlat(pf: tf.Tensor3D, q: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const logQ = tf.log(tf.add(q, KL_EPS)) as tf.Tensor3D; // [N, L2, K]
    const negEnt = tf.sum(tf.mul(pf, tf.log(tf.add(pf, KL_EPS))), -1, true); // [N, L1, 1]
    const cross = matmul(pf, logQ, false, true); // [N, L1, K] x [N, K, L2] -> [N, L1, L2]
    return tf.sub(cross, negEnt) as tf.Tensor3D;
  });
}
