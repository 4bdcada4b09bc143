// Memory-bounded spatial aggregation (Eq. 7–8) of one image: receiving rows in blocks, the custom
// gradient recomputes each block of the [L, L] weights. Layout: rows are pixels, [L, C].
import * as tf from '@tensorflow/tfjs-core';
import { matmul } from '../engine/ops.js';
import { CONTRAST_EPS } from './contrast_normalize.js';
import { rowBlocks } from './row_blocks.js';
import { KL_EPS, l2Normalize, l2NormalizeBackward } from './similarity.js';

interface AggStats { mean: Float32Array; inv: Float32Array; lse: Float32Array }


/**
 * Log-domain weights of one block: z = contrast-normalised (cos) or plain (kl) similarity rows;
 * returns z and, when `st` is given, the row statistics written into it.
 */
function blockLogits(vr: tf.Tensor2D, vct: tf.Tensor2D, cos: boolean, r0: number, n: number, st: AggStats, fill: boolean): tf.Tensor2D {
  const s = matmul(tf.slice(vr, [r0, 0], [n, vr.shape[1]]), vct); // [B, C] x [C, L] -> [B, L]
  if (fill) {
    const l = s.shape[1];
    const [m, iv] = cos ? tf.tidy(() => {
      const mean = tf.mean(s, 1, true);
      const sd = tf.sqrt(tf.div(tf.sum(tf.square(tf.sub(s, mean)), 1, true), Math.max(1, l - 1)));
      return [mean.dataSync(), tf.div(1, tf.add(sd, CONTRAST_EPS)).dataSync()];
    }) : [new Float32Array(n), new Float32Array(n).fill(1)];
    st.mean.set(m, r0); st.inv.set(iv, r0);
  }
  const col = (a: Float32Array) => tf.tensor2d(a.subarray(r0, r0 + n), [n, 1]);
  return tf.mul(tf.sub(s, col(st.mean)), col(st.inv)); // (S − μ)/(σ + ε), μ and σ constant (Eq. 5–6)
}

/**
 * (1 − α)·x_j + α·Σ_j' w_jj' x_j' for one image with bounded memory (α = 1: the aggregate alone;
 * the mix is fused so that no extra [L, C] copies are kept for the backward pass). Cosine: w = softmax of the
 * contrast-normalised cosine self-similarity; KL: plain softmax of −KL (the per-row −entropy term
 * of −KL cancels in the softmax and is dropped). Gradients flow through both sides.
 * @param x [L, C]
 * @param rows receiving rows per block
 * @param alpha share of the aggregate, Eq. 7
 * @returns [L, C]
 * @see Eq. (7), Eq. (8)
 */
export function blockedAggregate(x: tf.Tensor2D, metric: 'cos' | 'kl', rows: number, alpha = 1): tf.Tensor2D {
  const cos = metric === 'cos';
  // cos: S = V Vᵀ with V = x/‖x‖; kl: S = p · log(p + ε)ᵀ (rows p, columns log p). V is rebuilt in
  // the backward pass rather than held by the tape (one [L, C] tensor less through backprop).
  const vOf = (t: tf.Tensor2D): tf.Tensor2D => (cos ? l2Normalize(t) : (tf.log(tf.add(t, KL_EPS)) as tf.Tensor2D));
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xx = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    const [l, c] = xx.shape;
    const vv = vOf(xx);
    const vr = cos ? vv : xx;
    const st: AggStats = { mean: new Float32Array(l), inv: new Float32Array(l), lse: new Float32Array(l) };
    const vct = tf.transpose(vv) as tf.Tensor2D;
    const parts: tf.Tensor2D[] = [];
    for (const [r0, n] of rowBlocks(l, rows)) {
      parts.push(tf.tidy((): tf.Tensor2D => {
        const z = blockLogits(vr, vct, cos, r0, n, st, true);
        const lse = tf.logSumExp(z, 1, true);
        st.lse.set(lse.dataSync(), r0);
        const agg = matmul(tf.exp(tf.sub(z, lse)) as tf.Tensor2D, xx); // [B, L] x [L, C] -> [B, C]
        return alpha === 1 ? agg : tf.add(tf.mul(tf.slice(xx, [r0, 0], [n, c]), 1 - alpha), tf.mul(agg, alpha));
      }));
    }
    tf.dispose([vct, vv]);
    save([xx]);
    const value = tf.concat(parts, 0);
    tf.dispose(parts);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const x0 = saved[0] as tf.Tensor2D;
        const v0 = vOf(x0);
        const [dX, dV] = aggBackward([x0, v0], dy as tf.Tensor2D, cos, rows, st, c, alpha);
        v0.dispose();
        // chain dV into x: cos through the normalisation, kl through log(x + ε)
        const out = tf.tidy(() => tf.add(dX, cos ? l2NormalizeBackward(x0, dV) : tf.div(dV, tf.add(x0, KL_EPS))));
        tf.dispose([dX, dV]);
        return out;
      },
    };
  });
  return f(x) as tf.Tensor2D;
}

/**
 * acc + term() as a new tensor, disposing acc and the term at once: with [L, C] accumulators at most
 * three such tensors are live here, which bounds the backward pass's peak (8464 × 2048 at 92×92).
 */
export function accumulate(acc: tf.Tensor2D, term: () => tf.Tensor2D): tf.Tensor2D {
  const next = tf.tidy(() => tf.add(acc, term()) as tf.Tensor2D);
  acc.dispose();
  return next;
}

function aggBackward([x, v]: tf.Tensor2D[], dy: tf.Tensor2D, cos: boolean, rows: number, st: AggStats, c: number, alpha: number): tf.Tensor2D[] {
  const l = x.shape[0];
  const vr = cos ? v : x;
  const vct = tf.transpose(v) as tf.Tensor2D;
  const xt = tf.transpose(x) as tf.Tensor2D;
  let dX = (alpha === 1 ? tf.zeros([l, c]) : tf.mul(dy, 1 - alpha)) as tf.Tensor2D;
  let dVc = tf.zeros([l, c]) as tf.Tensor2D;
  const dVr: tf.Tensor2D[] = [];
  for (const [r0, n] of rowBlocks(l, rows)) {
    const blk = tf.tidy(() => {
      const z = blockLogits(vr, vct, cos, r0, n, st, false);
      const w = tf.exp(tf.sub(z, tf.tensor2d(st.lse.subarray(r0, r0 + n), [n, 1]))) as tf.Tensor2D; // [B, L]
      const g = tf.mul(tf.slice(dy, [r0, 0], [n, c]), alpha) as tf.Tensor2D; // dAgg rows [B, C]
      const dW = matmul(g, xt); // [B, C] x [C, L] -> [B, L]
      // softmax backward, then the constant 1/(σ+ε) of the contrast normalisation (cos only)
      const dZ = tf.mul(w, tf.sub(dW, tf.sum(tf.mul(dW, w), 1, true)));
      const dS = (cos ? tf.mul(dZ, tf.tensor2d(st.inv.subarray(r0, r0 + n), [n, 1])) : dZ) as tf.Tensor2D;
      return { w, g, dS, vrb: tf.slice(vr, [r0, 0], [n, c]) as tf.Tensor2D };
    });
    dX = accumulate(dX, () => matmul(blk.w, blk.g, true, false)); // Wᵀ dAgg: [L, B] x [B, C]
    dVc = accumulate(dVc, () => matmul(blk.dS, blk.vrb, true, false)); // dSᵀ Vr: [L, B] x [B, C]
    dVr.push(matmul(blk.dS, v)); // dS Vc: [B, L] x [L, C]
    tf.dispose([blk.w, blk.g, blk.dS, blk.vrb]);
  }
  tf.dispose([vct, xt]);
  const dRows = tf.concat(dVr, 0);
  tf.dispose(dVr);
  const out = cos ? [dX, tf.add(dVc, dRows)] : [tf.add(dX, dRows), dVc];
  tf.dispose(cos ? [dVc, dRows] : [dX, dRows]);
  return out as tf.Tensor2D[];
}
