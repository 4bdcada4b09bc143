// Spatial aggregation (gradient diffusion, Eq. 7–8) of a pixel map with its own self-similarity.
// Ported from: kgl-prml/Pixel-Level-Cycle-Association solver/loss.py (AssociationLoss.spatial_agg)
// Changes: NHWC; large maps take a row-blocked path with a recomputing custom gradient.
import * as tf from '@tensorflow/tfjs-core';
import { matmul } from '../engine/ops.js';
import { assertRank } from '../util/assert.js';
import { check } from '../util/errors.js';
import { contrastSoftmax } from './contrast_normalize.js';
import { cosineSimilarityFlat, flattenPixels, negKlSimilarityFlat } from './similarity.js';
import { blockedAggregate } from './blocked_aggregation.js';
import { DEFAULT_BLOCK_ELEMENTS, defaultBlockRows } from './row_blocks.js';

export type SimilarityMetric = 'cos' | 'kl';

/** How the (H·W)² matrices are held: 'auto' blocks above `DEFAULT_BLOCK_ELEMENTS` entries. */
export type BlockRows = number | 'auto' | 'none';

export interface SpatialAggregateOptions {
  /** 'cos' for features (contrast-normalised softmax), 'kl' for probabilities (plain softmax of −KL). */
  metric: SimilarityMetric;
  /** share of the aggregated map in the mix (Eq. 7). @default 0.5 */
  alpha?: number;
  /** source rows per block, 'none' for the dense path. @default 'auto' */
  blockRows?: BlockRows;
}

/** Resolves a BlockRows option for an [l1, l2] matrix: 0 means the dense path. */
export function resolveBlockRows(opt: BlockRows | undefined, l1: number, l2: number): number {
  if (opt === 'none') return 0;
  if (opt === undefined || opt === 'auto') return l1 * l2 <= DEFAULT_BLOCK_ELEMENTS ? 0 : defaultBlockRows(l2);
  check(Number.isInteger(opt) && opt > 0, 'blockRows', `must be a positive integer, 'auto' or 'none', got ${opt}`);
  return opt;
}

/**
 * Aggregation weights w (Eq. 8), dense: row j holds the weights that receiving pixel j gives every
 * pixel j'. Cosine: softmax of the contrast-normalised self-similarity (the reference normalises,
 * as the paper says under Eq. 8); KL: plain softmax of −KL, as the reference's `spatial_agg`.
 * Gradients flow through both sides of the self-similarity (the reference uses x and x.clone()).
 * @param xf [N, L, C] pixel-flattened map
 * @returns [N, L, L]
 * @see Eq. (8)
 */
export function aggregationWeights(xf: tf.Tensor3D, metric: SimilarityMetric): tf.Tensor3D {
  return tf.tidy(() => metric === 'cos'
    ? contrastSoftmax(cosineSimilarityFlat(xf, xf))
    : (tf.softmax(negKlSimilarityFlat(xf, xf)) as tf.Tensor3D));
}

/**
 * (1 − α)·x + α·Σ_j' w_jj' x_j' for flattened maps, dense or blocked by `rows` (0 = dense).
 * @param xf [N, L, C]
 * @returns [N, L, C]
 */
export function mixAggregateFlat(xf: tf.Tensor3D, metric: SimilarityMetric, alpha: number, rows: number): tf.Tensor3D {
  if (rows === 0) {
    return tf.tidy(() => {
      const agg = matmul(aggregationWeights(xf, metric), xf); // [N, L, L] x [N, L, C]
      return tf.add(tf.mul(xf, 1 - alpha), tf.mul(agg, alpha)) as tf.Tensor3D;
    });
  }
  return tf.tidy(() => {
    const [n, l, c] = xf.shape;
    const one = (x: tf.Tensor2D) => blockedAggregate(x, metric, rows, alpha);
    if (n === 1) return tf.reshape(one(tf.reshape(xf, [l, c]) as tf.Tensor2D), [1, l, c]) as tf.Tensor3D;
    const parts: tf.Tensor2D[] = [];
    for (let b = 0; b < n; b++) parts.push(one(tf.reshape(tf.slice(xf, [b, 0, 0], [1, l, c]), [l, c]) as tf.Tensor2D));
    return tf.stack(parts) as tf.Tensor3D;
  });
}

/**
 * (1 − α)·x + α·Agg(x): spatial aggregation as applied to the target side in training and twice at
 * test time (features with 'cos', probabilities with 'kl'; reference `tools/test.py`).
 * @param x [N, H, W, C] float32, NHWC
 * @returns [N, H, W, C]
 * @see Eq. (7), Eq. (8)
 */
export function spatialAggregate(x: tf.Tensor4D, opts: SpatialAggregateOptions): tf.Tensor4D {
  assertRank(x, 4, 'spatialAggregate', 'x', '[N,H,W,C]');
  const alpha = opts.alpha ?? 0.5;
  check(alpha >= 0 && alpha <= 1, 'spatialAggregate', `alpha must lie in [0, 1], got ${alpha}`);
  check(opts.metric === 'cos' || opts.metric === 'kl', 'spatialAggregate', `metric must be 'cos' or 'kl', got ${String(opts.metric)}`);
  return tf.tidy(() => {
    const xf = flattenPixels(x);
    const l = xf.shape[1];
    return tf.reshape(mixAggregateFlat(xf, opts.metric, alpha, resolveBlockRows(opts.blockRows, l, l)), x.shape) as tf.Tensor4D;
  });
}
