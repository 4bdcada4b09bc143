// Pixel-level cycle association loss (Eq. 4 with cosine features, Eq. 10 with negative KL on
// probabilities), target side optionally spatially aggregated first (Eq. 7–8). NHWC inputs.
// Ported from: kgl-prml/Pixel-Level-Cycle-Association solver/loss.py (AssociationLoss.forward)
// Changes: NHWC; log-domain product; settings as options; optional row-blocked memory path;
// 'similarity' mode for the paper's Sim-PLCA ablation.
import * as tf from '@tensorflow/tfjs-core';
import { assertRank, assertSameShape } from '../util/assert.js';
import { check } from '../util/errors.js';
import { bceNegLog } from './bce.js';
import { blockedCycleAssociate } from './blocked_association.js';
import { contrastLogSoftmax } from './contrast_normalize.js';
import { cycleAssociate } from './cycle_associate.js';
import { associationDiagnostics, type AssociationDiagnostics } from './diagnostics.js';
import { cosineSimilarityFlat, flattenPixels, negKlSimilarityFlat } from './similarity.js';
import { mixAggregateFlat, type BlockRows, resolveBlockRows, type SimilarityMetric } from './spatial_aggregation.js';
import { similarityOfCycles } from './sim_plca.js';

export interface AssociationOptions {
  /** 'cos' on features (fass, Eq. 4), 'kl' on softmax probabilities (cass, Eq. 10). */
  metric: SimilarityMetric;
  /** spatially aggregate the target side first (Eq. 7). @default true (on in the released configs) */
  spagg?: boolean;
  /** aggregation share α (Eq. 7). @default 0.5 */
  alpha?: number;
  /** @default 255 */
  ignoreIndex?: number;
  /**
   * 'contrastive': −log of the cycle's softmax product (Eq. 4/10), the method.
   * 'similarity': Sim-PLCA (Table 1) — maximise the raw similarities of the associated pairs,
   * loss = −mean over positive cycles of [D(i, j*) + D(j*, i*)] (see sim_plca.ts). @default 'contrastive'
   */
  mode?: 'contrastive' | 'similarity';
  /** source rows per block for the (H·W)² matrices; 'none' = dense. @default 'auto' */
  blockRows?: BlockRows;
}

export interface AssociationResult {
  loss: tf.Scalar;
  /** j* per source pixel, flat target index, row-major [N, L1] */
  midIndex: Int32Array;
  /** i* per source pixel, flat source index, row-major [N, L1] */
  endIndex: Int32Array;
  diagnostics: AssociationDiagnostics;
}

/** log p_s→t(i,j*) + log p_t→s(j*,i*) for each source pixel, dense path. [N, L1] */
function denseCycle(s: tf.Tensor3D, t: tf.Tensor3D, metric: SimilarityMetric) {
  const s12 = metric === 'cos' ? cosineSimilarityFlat(s, t) : negKlSimilarityFlat(s, t); // [N, L1, L2]
  const s21 = metric === 'cos' ? (tf.transpose(s12, [0, 2, 1]) as tf.Tensor3D) : negKlSimilarityFlat(t, s);
  return cycleAssociate(contrastLogSoftmax(s12), contrastLogSoftmax(s21));
}

/** Image b of [N, L, C] as [L, C]; no copy (and no padded slice gradient) for a batch of 1. */
export function imageRows(x: tf.Tensor3D, b: number): tf.Tensor2D {
  const [n, l, c] = x.shape;
  return (n === 1 ? tf.reshape(x, [l, c]) : tf.reshape(tf.slice(x, [b, 0, 0], [1, l, c]), [l, c])) as tf.Tensor2D;
}

/** The same per image with bounded memory; the −entropy row term of −KL cancels in Eq. 5. */
function blockedCycle(s: tf.Tensor3D, t: tf.Tensor3D, metric: SimilarityMetric, rows: number) {
  const [n, l1] = s.shape;
  const mid = new Int32Array(n * l1);
  const end = new Int32Array(n * l1);
  const parts: tf.Tensor1D[] = [];
  for (let b = 0; b < n; b++) {
    const sb = imageRows(s, b);
    const tb = imageRows(t, b);
    const r = blockedCycleAssociate(sb, tb, metric, rows);
    parts.push(r.logProduct);
    mid.set(r.midIndex, b * l1);
    end.set(r.endIndex, b * l1);
  }
  return { logProduct: tf.stack(parts) as tf.Tensor2D, midIndex: mid, endIndex: end };
}

/** Positive cycles: label(i) = label(i*) and i not ignored (reference `associate_gt`, detached). */
function positiveMask(labels: Int32Array | Float32Array | Uint8Array, end: Int32Array, l1: number, ignore: number): Float32Array {
  const mask = new Float32Array(end.length);
  for (let k = 0; k < end.length; k++) {
    const base = k - (k % l1);
    mask[k] = labels[k] !== ignore && labels[k] === labels[base + end[k]] ? 1 : 0;
  }
  return mask;
}

/**
 * Cycle association loss between a source and a target map: mean over positive cycles (source
 * label at i equals that at i*, i not ignored) of −log(p_s→t(i, j*) · p_t→s(j*, i*)), each p a
 * softmax over contrast-normalised similarities; 0 when no cycle is positive. Negative cycles are
 * dropped, not pushed apart. Target labels are only used for the diagnostics.
 * @param xS [N, H, W, C] source features (cos) or probabilities (kl)
 * @param xT [N, H', W', C] target features or probabilities
 * @param labelS int32 [N, H, W] source labels at the map's size
 * @param labelT int32 [N, H', W'] target labels, for the correct-ratio diagnostic only
 * @see Eq. (2)–(10)
 */
export function associationLoss(
  xS: tf.Tensor4D, xT: tf.Tensor4D, labelS: tf.Tensor3D, opts: AssociationOptions, labelT?: tf.Tensor3D,
): AssociationResult {
  const op = 'associationLoss';
  assertRank(xS, 4, op, 'xS', '[N,H,W,C]');
  assertRank(xT, 4, op, 'xT', '[N,H,W,C]');
  assertRank(labelS, 3, op, 'labelS', '[N,H,W]');
  assertSameShape(xS, xT, op, ['xS', 'xT'], [0, 3]);
  check(labelS.shape.every((d, i) => d === xS.shape[i]), op,
    `labelS [${labelS.shape.join(', ')}] must match xS [${xS.shape.join(', ')}] on N, H, W`);
  if (labelT) check(labelT.rank === 3 && labelT.shape.every((d, i) => d === xT.shape[i]), op,
    `labelT [${labelT.shape.join(', ')}] must match xT [${xT.shape.join(', ')}] on N, H, W`);
  const ignore = opts.ignoreIndex ?? 255;
  const mode = opts.mode ?? 'contrastive';
  check(mode === 'contrastive' || mode === 'similarity', op, `mode must be 'contrastive' or 'similarity', got ${String(mode)}`);
  const labels = labelS.dataSync() as Int32Array;
  let mid: Int32Array = new Int32Array(0);
  let end: Int32Array = new Int32Array(0);
  let mask: Float32Array = new Float32Array(0);
  const loss = tf.tidy(() => {
    const s = flattenPixels(xS);
    let t = flattenPixels(xT);
    const [, l1] = s.shape;
    const l2 = t.shape[1];
    if (opts.spagg ?? true) {
      const alpha = opts.alpha ?? 0.5;
      check(alpha >= 0 && alpha <= 1, op, `alpha must lie in [0, 1], got ${alpha}`);
      t = mixAggregateFlat(t, opts.metric, alpha, resolveBlockRows(opts.blockRows, l2, l2));
    }
    const rows = resolveBlockRows(opts.blockRows, l1, l2);
    const cyc = rows === 0 ? denseCycle(s, t, opts.metric) : blockedCycle(s, t, opts.metric, rows);
    mid = cyc.midIndex;
    end = cyc.endIndex;
    mask = positiveMask(labels, end, l1, ignore);
    const count = mask.reduce((a, b) => a + b, 0);
    const m = tf.tensor2d(mask, cyc.logProduct.shape);
    const perPixel = mode === 'contrastive'
      ? bceNegLog(cyc.logProduct) // BCE(product, 1) per cycle (reference)
      : tf.neg(similarityOfCycles(s, t, mid, end, opts.metric));
    // the masked sum over max(count, 1) is the reference's BCE mean, and 0 (zero gradient) when none
    return tf.div(tf.sum(tf.mul(perPixel, m)), Math.max(count, 1)) as tf.Scalar;
  });
  const diagnostics = associationDiagnostics({
    labelS: labels, labelT: labelT ? (labelT.dataSync() as Int32Array) : undefined,
    midIndex: mid, positive: mask, l1: xS.shape[1] * xS.shape[2], l2: xT.shape[1] * xT.shape[2], ignoreIndex: ignore,
  });
  return { loss, midIndex: mid, endIndex: end, diagnostics };
}
