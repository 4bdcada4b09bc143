// Memory-bounded cycle association for one image pair: source rows are processed in blocks, so the
// [L1, L2] similarity matrix is never whole (8464² floats = 287 MB at the paper's 92×92 grid).
// Argmax, the contrast statistics and the softmax normalisers are row or column reductions, so the
// forward pass keeps only O(L1 + L2) statistics (accumulated in float64 on the JS side), and the
// custom gradient recomputes each block. Layout: rows are pixels, [L, C].
import * as tf from '@tensorflow/tfjs-core';
import { matmul } from '../engine/ops.js';
import { CONTRAST_EPS } from './contrast_normalize.js';
import { accumulate } from './blocked_aggregation.js';
import { rowBlocks } from './row_blocks.js';
import { KL_EPS, l2Normalize, l2NormalizeBackward } from './similarity.js';

export { DEFAULT_BLOCK_ELEMENTS, defaultBlockRows } from './row_blocks.js';

/**
 * The two bilinear similarity forms of one image pair, up to a per-row constant (which contrast
 * normalisation removes exactly, value and gradient): s→t is U Vᵀ (rows normalised over target
 * pixels), t→s is U2 V2ᵀ (columns normalised over source pixels).
 * Cosine: U = V-side normalised features, shared. Negative KL: U = p, V = log(q+ε), U2 = log(p+ε), V2 = q.
 */
export interface BilinearPair {
  u: tf.Tensor2D; // [L1, C]
  v: tf.Tensor2D; // [L2, C]
  /** absent when the t→s matrix is the same as the s→t one (cosine) */
  u2?: tf.Tensor2D;
  v2?: tf.Tensor2D;
}

export interface BlockedCycle {
  /** log p_s→t(i, j*) + log p_t→s(j*, i*), [L1], differentiable w.r.t. u, v, u2, v2 */
  logProduct: tf.Tensor1D;
  midIndex: Int32Array; // [L1]
  endIndex: Int32Array; // [L1]
}

interface RowStats { mean: Float32Array; inv: Float32Array; lse: Float32Array; mid: Int32Array; logP: Float64Array }
interface ColStats { mean: Float32Array; inv: Float32Array; lse: Float32Array; arg: Int32Array; logP: Float64Array }


function sliceRows(x: tf.Tensor2D, r0: number, n: number): tf.Tensor2D {
  return tf.slice(x, [r0, 0], [n, x.shape[1]]);
}

/** Row statistics of S_st (pass 1, row-local) for one block. */
function rowBlock(s: tf.Tensor2D, r0: number, rs: RowStats): void {
  const [mean, inv, lse, mid, logP] = tf.tidy(() => {
    const l2 = s.shape[1];
    const m = tf.mean(s, 1, true);
    const sd = tf.sqrt(tf.div(tf.sum(tf.square(tf.sub(s, m)), 1, true), Math.max(1, l2 - 1)));
    const iv = tf.div(1, tf.add(sd, CONTRAST_EPS));
    const z = tf.mul(tf.sub(s, m), iv);
    const zmax = tf.max(z, 1, true);
    const logSum = tf.log(tf.sum(tf.exp(tf.sub(z, zmax)), 1, true));
    // j* is the row argmax, so log p_s→t(i, j*) = z_max − lse = −log Σ exp(z − z_max)
    return [m, iv, tf.add(zmax, logSum), tf.argMax(s, 1), tf.neg(logSum)];
  }).map((t) => { const d = t.dataSync(); t.dispose(); return d; });
  for (let k = 0; k < mid.length; k++) {
    rs.mean[r0 + k] = mean[k]; rs.inv[r0 + k] = inv[k]; rs.lse[r0 + k] = lse[k];
    rs.mid[r0 + k] = mid[k]; rs.logP[r0 + k] = logP[k];
  }
}

/** Column mean/M2 (Chan's parallel update, float64) and max/argmax of S_ts for one block. */
function colBlock(s: tf.Tensor2D, r0: number, acc: { n: number; mean: Float64Array; m2: Float64Array; max: Float64Array; arg: Int32Array }): void {
  const nb = s.shape[0];
  const [bm, bm2, bmax, barg] = tf.tidy(() => {
    const m = tf.mean(s, 0, true);
    return [m, tf.sum(tf.square(tf.sub(s, m)), 0), tf.max(s, 0), tf.argMax(s, 0)];
  }).map((t) => { const d = t.dataSync(); t.dispose(); return d; });
  const na = acc.n;
  const n = na + nb;
  for (let j = 0; j < bm.length; j++) {
    const delta = bm[j] - acc.mean[j];
    acc.mean[j] += (delta * nb) / n;
    acc.m2[j] += bm2[j] + (delta * delta * na * nb) / n;
    if (na === 0 || bmax[j] > acc.max[j]) { acc.max[j] = bmax[j]; acc.arg[j] = barg[j] + r0; }
  }
  acc.n = n;
}

function stMatrix(p: BilinearPair, vt: tf.Tensor2D, r0: number, n: number): tf.Tensor2D {
  return matmul(sliceRows(p.u, r0, n), vt); // [B, C] x [C, L2] -> [B, L2]
}
function tsMatrix(p: BilinearPair, s: tf.Tensor2D, v2t: tf.Tensor2D | undefined, r0: number, n: number): tf.Tensor2D {
  return p.u2 && v2t ? matmul(sliceRows(p.u2, r0, n), v2t) : s;
}

/** Forward passes: row stats and column stats (pass 1), column normalisers (pass 2). */
function forwardStats(p: BilinearPair, rows: number): { rs: RowStats; cs: ColStats } {
  const [l1] = p.u.shape;
  const l2 = p.v.shape[0];
  const vt = tf.transpose(p.v) as tf.Tensor2D;
  const v2t = p.v2 ? (tf.transpose(p.v2) as tf.Tensor2D) : undefined;
  const rs: RowStats = { mean: new Float32Array(l1), inv: new Float32Array(l1), lse: new Float32Array(l1), mid: new Int32Array(l1), logP: new Float64Array(l1) };
  const acc = { n: 0, mean: new Float64Array(l2), m2: new Float64Array(l2), max: new Float64Array(l2), arg: new Int32Array(l2) };
  for (const [r0, n] of rowBlocks(l1, rows)) {
    tf.tidy(() => {
      const s = stMatrix(p, vt, r0, n);
      rowBlock(s, r0, rs);
      colBlock(tsMatrix(p, s, v2t, r0, n), r0, acc);
    });
  }
  const cs: ColStats = { mean: Float32Array.from(acc.mean), inv: new Float32Array(l2), lse: new Float32Array(l2), arg: acc.arg, logP: new Float64Array(l2) };
  const zmax = new Float64Array(l2);
  for (let j = 0; j < l2; j++) {
    const inv = 1 / (Math.sqrt(acc.m2[j] / Math.max(1, l1 - 1)) + CONTRAST_EPS);
    cs.inv[j] = inv;
    zmax[j] = (acc.max[j] - acc.mean[j]) * inv;
  }
  // Pass 2: Σ_i exp(z'_ij − z'max_j) per column, now that the column mean and std are known.
  const sumExp = new Float64Array(l2);
  const cMean = tf.tensor2d(cs.mean, [1, l2]);
  const cInv = tf.tensor2d(cs.inv, [1, l2]);
  const cMax = tf.tensor2d(Float32Array.from(zmax), [1, l2]);
  for (const [r0, n] of rowBlocks(l1, rows)) {
    const part = tf.tidy(() => {
      const st = p.u2 && v2t ? matmul(sliceRows(p.u2, r0, n), v2t) : stMatrix(p, vt, r0, n);
      return tf.sum(tf.exp(tf.sub(tf.mul(tf.sub(st, cMean), cInv), cMax)), 0);
    });
    const d = part.dataSync();
    part.dispose();
    for (let j = 0; j < l2; j++) sumExp[j] += d[j];
  }
  tf.dispose([vt, cMean, cInv, cMax]);
  if (v2t) v2t.dispose();
  for (let j = 0; j < l2; j++) {
    cs.lse[j] = zmax[j] + Math.log(sumExp[j]);
    cs.logP[j] = zmax[j] - cs.lse[j]; // log p_t→s(j, i*(j)), i* being the column argmax
  }
  return { rs, cs };
}

/**
 * The sparse (δ) parts of the block's similarity gradient, built on the host: g_i/(σ_i+ε) at
 * (i, j*(i)) for s→t and h_j/(σ'_j+ε) at (i*(j), j) for t→s. (A dense equality test on wasm is a
 * scalar broadcast loop.) For cosine both go into one matrix.
 */
function deltaBlock(rs: RowStats, cs: ColStats, g: Float32Array, h: Float32Array, r0: number, n: number, l2: number, shared: boolean) {
  const st = new Float32Array(n * l2);
  const ts = shared ? st : new Float32Array(n * l2);
  for (let k = 0; k < n; k++) st[k * l2 + rs.mid[r0 + k]] += g[r0 + k] * rs.inv[r0 + k];
  for (let j = 0; j < l2; j++) {
    const i = cs.arg[j] - r0;
    if (i >= 0 && i < n) ts[i * l2 + j] += h[j] * cs.inv[j];
  }
  const both = shared ? tf.tensor2d(st, [n, l2]) : undefined;
  return { both, st: shared ? undefined : tf.tensor2d(st, [n, l2]), ts: shared ? undefined : tf.tensor2d(ts, [n, l2]) };
}

/** Backward pass over blocks; returns gradients for [u, v] or [u, v, u2, v2]. */
function backward(p: BilinearPair, rows: number, rs: RowStats, cs: ColStats, g: Float32Array): tf.Tensor2D[] {
  const [l1, c] = p.u.shape;
  const l2 = p.v.shape[0];
  // h_j = Σ_{i: j*(i) = j} g_i: the t→s factor of cycle i sits on column j* (Eq. 4, second factor).
  const h = new Float32Array(l2);
  for (let i = 0; i < l1; i++) h[rs.mid[i]] += g[i];
  const shared = !p.u2;
  const vt = tf.transpose(p.v) as tf.Tensor2D;
  const v2t = p.v2 ? (tf.transpose(p.v2) as tf.Tensor2D) : undefined;
  const col = (a: Float32Array) => tf.tensor2d(a, [1, l2]);
  const cMean = col(cs.mean); const cInv = col(cs.inv); const cLse = col(cs.lse);
  const cCoef = tf.mul(col(h), cInv);
  const dU: tf.Tensor2D[] = []; const dU2: tf.Tensor2D[] = [];
  let dV = tf.zeros([l2, c]) as tf.Tensor2D;
  let dV2 = shared ? undefined : (tf.zeros([l2, c]) as tf.Tensor2D);
  for (const [r0, n] of rowBlocks(l1, rows)) {
    const sl = (a: Float32Array) => tf.tensor2d(a.subarray(r0, r0 + n), [n, 1]);
    const delta = deltaBlock(rs, cs, g, h, r0, n, l2, shared);
    const blk = tf.tidy(() => {
      const ub = sliceRows(p.u, r0, n);
      const s = matmul(ub, vt); // [B, L2]
      // s→t: d log p(i, j*) / dS_ij = (δ_{j j*} − P_ij) / (σ_i + ε), μ and σ held constant (Eq. 5–6)
      const pst = tf.exp(tf.sub(tf.mul(tf.sub(s, sl(rs.mean)), sl(rs.inv)), sl(rs.lse)));
      const rowCoef = tf.mul(sl(g), sl(rs.inv));
      // t→s: column j normalised over source rows, weighted by h_j / (σ'_j + ε)
      const u2b = shared ? ub : sliceRows(p.u2!, r0, n);
      const st = shared ? s : matmul(u2b, v2t!);
      const pts = tf.exp(tf.sub(tf.mul(tf.sub(st, cMean), cInv), cLse));
      if (shared) {
        const ds = tf.sub(delta.both!, tf.add(tf.mul(rowCoef, pst), tf.mul(cCoef, pts))) as tf.Tensor2D;
        return { ub, ds };
      }
      return { ub, u2b, ds: tf.sub(delta.st!, tf.mul(rowCoef, pst)) as tf.Tensor2D, ds2: tf.sub(delta.ts!, tf.mul(cCoef, pts)) as tf.Tensor2D };
    });
    tf.dispose([delta.both, delta.st, delta.ts].filter((t): t is tf.Tensor2D => t !== undefined));
    dU.push(matmul(blk.ds, p.v)); // [B, L2] x [L2, C]
    dV = accumulate(dV, () => matmul(blk.ds, blk.ub, true, false)); // [L2, B] x [B, C]
    if (!shared) {
      dU2.push(matmul(blk.ds2!, p.v2!));
      dV2 = accumulate(dV2!, () => matmul(blk.ds2!, blk.u2b!, true, false));
    }
    tf.dispose(Object.values(blk) as tf.Tensor[]);
  }
  tf.dispose([vt, cMean, cInv, cLse, cCoef]);
  if (v2t) v2t.dispose();
  const out = [tf.concat(dU, 0), dV];
  tf.dispose(dU);
  if (!shared) { out.push(tf.concat(dU2, 0), dV2!); tf.dispose(dU2); }
  return out as tf.Tensor2D[];
}

/** The bilinear forms of a metric from the raw maps (cos: normalised features; kl: p, log q …). */
function pairOf(metric: 'cos' | 'kl', s: tf.Tensor2D, t: tf.Tensor2D): BilinearPair {
  if (metric === 'cos') return { u: l2Normalize(s), v: l2Normalize(t) };
  return { u: s, v: tf.log(tf.add(t, KL_EPS)) as tf.Tensor2D, u2: tf.log(tf.add(s, KL_EPS)) as tf.Tensor2D, v2: t };
}

/** Chains the pair's gradients back to the raw maps. */
function rawGrads(metric: 'cos' | 'kl', s: tf.Tensor2D, t: tf.Tensor2D, g: tf.Tensor2D[]): tf.Tensor2D[] {
  return tf.tidy(() => {
    if (metric === 'cos') return [l2NormalizeBackward(s, g[0]), l2NormalizeBackward(t, g[1])];
    // u = p, u2 = log(p + ε): dp = dU + dU2 / (p + ε); v = log(q + ε), v2 = q: dq = dV / (q + ε) + dV2
    return [tf.add(g[0], tf.div(g[2], tf.add(s, KL_EPS))), tf.add(tf.div(g[1], tf.add(t, KL_EPS)), g[3])] as tf.Tensor2D[];
  });
}

/**
 * Cycle association of one image pair with bounded memory (Eq. 2–4): per source pixel, the log of
 * the cycle's probability product and the detached indices j*, i*. Its gradient recomputes the
 * similarity blocks; the result equals the dense path up to float32 summation order. Takes the raw
 * maps (features for 'cos', probabilities for 'kl'): the normalised / log forms are rebuilt inside
 * the forward and backward passes instead of being held by the tape (four fewer [L, C] tensors
 * alive through backprop).
 * @param s [L1, C] source map
 * @param t [L2, C] target map
 * @param blockRows source rows per block
 * @see Eq. (2)–(6)
 */
export function blockedCycleAssociate(s: tf.Tensor2D, t: tf.Tensor2D, metric: 'cos' | 'kl', blockRows: number): BlockedCycle {
  let midIndex: Int32Array = new Int32Array(0);
  let endIndex: Int32Array = new Int32Array(0);
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [ss, tt] = args as [tf.Tensor2D, tf.Tensor2D];
    const save = args[2] as tf.GradSaveFunc;
    // the pair's tensors are freed by the engine's scope around this forward function
    const { rs, cs } = forwardStats(pairOf(metric, ss, tt), blockRows);
    midIndex = rs.mid;
    endIndex = Int32Array.from(rs.mid, (j) => cs.arg[j]);
    const value = new Float32Array(rs.mid.length);
    for (let i = 0; i < value.length; i++) value[i] = rs.logP[i] + cs.logP[rs.mid[i]];
    save([ss, tt]);
    return {
      value: tf.tensor1d(value),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [s0, t0] = saved as tf.Tensor2D[];
        const g = dy.dataSync() as Float32Array;
        const pg = tf.tidy(() => backward(pairOf(metric, s0, t0), blockRows, rs, cs, g));
        const out = rawGrads(metric, s0, t0, pg);
        tf.dispose(pg);
        return out;
      },
    };
  });
  const logProduct = f(s, t) as tf.Tensor1D;
  return { logProduct, midIndex, endIndex };
}
