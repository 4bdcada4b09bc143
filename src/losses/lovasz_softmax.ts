// Lovász-softmax loss (Berman et al. 2018), as the reference calls it: classes='present',
// per_image=False, ignore 255, on softmax probabilities. NHWC.
// Ported from: kgl-prml/Pixel-Level-Cycle-Association solver/lov_softmax.py (lovasz_softmax_flat)
// Changes: the sort and the Lovász gradient weights are computed on the host (they are constants
// in the reference's backward pass too: `perm.data`, `Variable(lovasz_grad(...))`), so the loss is a
// weighted sum of the errors and autodiff needs no sort or gather.
import * as tf from '@tensorflow/tfjs-core';
import { assertRank } from '../util/assert.js';
import { check } from '../util/errors.js';

export interface LovaszOptions {
  /** @default 255 */
  ignoreIndex?: number;
  /** 'present': average over classes in the (non-ignored) labels; 'all': over all K. @default 'present' */
  classes?: 'present' | 'all';
}

/**
 * Gradient of the Lovász extension of the Jaccard loss w.r.t. sorted errors (Alg. 1 of Berman et
 * al.), rounded to float32 at each step as the reference computes it (`gt_sorted.float()`): the
 * weights are differences of nearby Jaccard values, so that rounding shows in the gradient.
 */
export function lovaszGrad(fgSorted: ArrayLike<number>): Float64Array {
  const f = Math.fround;
  const p = fgSorted.length;
  let gts = 0;
  for (let k = 0; k < p; k++) gts += fgSorted[k];
  const jac = new Float64Array(p);
  let cumFg = 0;
  let cumBg = 0;
  for (let k = 0; k < p; k++) {
    cumFg += fgSorted[k];
    cumBg += 1 - fgSorted[k];
    jac[k] = f(1 - f((gts - cumFg) / (gts + cumBg)));
  }
  for (let k = p - 1; k > 0; k--) jac[k] = f(jac[k] - jac[k - 1]);
  return jac;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
/** Pixels with index < 2^23 can be packed with their error into one exactly ordered float64 key. */
const PACK_LIMIT = 2 ** 23;

/**
 * Writes `valid` into `order` sorted by descending error (as torch.sort(descending=True)). Why the
 * packing: errors lie in [0, 1], so their float32 bit patterns (< 2^30) order like the values, and
 * bits·2^23 + index is an exact float64 that the native typed-array sort orders ~10× faster than
 * a comparator sort (millions of pixels per class in training).
 */
function sortByErrorDesc(valid: Int32Array, err: Float64Array, order: Uint32Array): void {
  if (valid.length >= PACK_LIMIT) {
    for (let r = 0; r < valid.length; r++) order[r] = valid[r];
    order.sort((a, b) => err[b] - err[a]);
    return;
  }
  const keys = new Float64Array(valid.length);
  for (let r = 0; r < valid.length; r++) {
    F32[0] = err[valid[r]];
    keys[r] = U32[0] * PACK_LIMIT + r;
  }
  keys.sort();
  for (let r = 0; r < keys.length; r++) order[keys.length - 1 - r] = valid[keys[r] % PACK_LIMIT];
}

/** Per-pixel, per-class weights w such that the loss is Σ w · |fg − p| / #classes. */
function lovaszWeights(probs: Float32Array, labels: ArrayLike<number>, k: number, o: Required<LovaszOptions>): { w: Float32Array; classes: number } {
  const f = Math.fround;
  const counts = new Float64Array(k);
  const validList: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === o.ignoreIndex) continue;
    validList.push(i);
    if (labels[i] >= 0 && labels[i] < k) counts[labels[i]]++;
  }
  const valid = Int32Array.from(validList);
  const w = new Float32Array(labels.length * k);
  const err = new Float64Array(labels.length);
  const order = new Uint32Array(valid.length);
  let classes = 0;
  for (let c = 0; c < k; c++) {
    if (o.classes === 'present' && counts[c] === 0) continue;
    classes++;
    for (const i of valid) err[i] = Math.abs((labels[i] === c ? 1 : 0) - probs[i * k + c]);
    sortByErrorDesc(valid, err, order);
    // lovaszGrad inline (float32 steps as the reference), written straight into the weights
    const gts = counts[c];
    let cumFg = 0;
    let prev = 0;
    for (let r = 0; r < order.length; r++) {
      const fg = labels[order[r]] === c ? 1 : 0;
      cumFg += fg;
      const jac = f(1 - f((gts - cumFg) / (gts + (r + 1 - cumFg))));
      w[order[r] * k + c] = r === 0 ? jac : f(jac - prev);
      prev = jac;
    }
  }
  return { w, classes };
}

/**
 * Lovász-softmax over the whole batch (not per image).
 * @param probs [N, H, W, K] softmax probabilities
 * @param labels int32 [N, H, W], `ignoreIndex` for void
 * @returns scalar; 0 when no pixel is valid or no class is present
 */
export function lovaszSoftmax(probs: tf.Tensor4D, labels: tf.Tensor3D, opts: LovaszOptions = {}): tf.Scalar {
  assertRank(probs, 4, 'lovaszSoftmax', 'probs', '[N,H,W,K]');
  assertRank(labels, 3, 'lovaszSoftmax', 'labels', '[N,H,W]');
  check(labels.shape.every((d, i) => d === probs.shape[i]), 'lovaszSoftmax',
    `labels [${labels.shape.join(', ')}] must match probs [${probs.shape.join(', ')}] on N, H, W`);
  const o: Required<LovaszOptions> = { ignoreIndex: opts.ignoreIndex ?? 255, classes: opts.classes ?? 'present' };
  const k = probs.shape[3];
  const lab = labels.dataSync();
  const { w, classes } = lovaszWeights(probs.dataSync() as Float32Array, lab, k, o);
  return tf.tidy(() => {
    const p = tf.reshape(probs, [-1, k]);
    const safe = Int32Array.from(lab, (v) => (v >= 0 && v < k ? v : -1)); // oneHot(-1) is all zeros
    const fg = tf.oneHot(tf.tensor1d(safe, 'int32'), k);
    // |fg − p| without abs (p ∈ [0, 1]), so the gradient at p = fg is the one-sided one
    const errors = tf.add(tf.mul(fg, tf.sub(1, p)), tf.mul(tf.sub(1, fg), p));
    const total = tf.sum(tf.mul(errors, tf.tensor2d(w, [lab.length, k])));
    return tf.div(total, Math.max(classes, 1)) as tf.Scalar;
  });
}
