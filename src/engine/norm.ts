// Normalisation layers, NHWC, with closed-form gradients. Why: the stock batch-norm gradient tiles
// [C] vectors to full size (9 ms/step in wasm's scalar Tile alone, docs/design/engine.md item 5); here
// every [C] vector meets the activations through a broadcasting binary op.
import * as tf from '@tensorflow/tfjs-core';
import { check } from '../util/errors.js';
import { batchNormApply, batchNormGrad, channelMoments } from './kernels/channel.js';

export interface BatchNormOptions {
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
  /** running mean, used when not training */ mean: tf.Tensor1D;
  /** running variance, used when not training */ variance: tf.Tensor1D;
  training: boolean;
  /** @default 1e-5 */ eps?: number;
  /**
   * y = max(BN(x), 0): the ReLU fused in (one pass fewer each way on wasm, and BN's output is
   * not kept for ReLU's gradient). @default false
   */
  relu?: boolean;
}

export interface BatchNormResult {
  y: tf.Tensor4D;
  /** batch mean (training only), for the running-average update */
  batchMean?: tf.Tensor1D;
  /** unbiased batch variance (training only), for the running-average update, as PyTorch */
  batchVarUnbiased?: tf.Tensor1D;
}

/**
 * y = γ·x̂ + β with x̂ = (x − μ)/√(σ² + ε), differentiable in x, γ, β. Computed as y = x·a + c with
 * per-channel a = γ/√(σ²+ε), c = β − μ·a, so the forward makes two full-size ops and saves no x̂.
 * With batch statistics the gradient is the closed form
 * ∂x = a·(dy − mean(dy) − x̂·mean(dy·x̂)) = dy·a + x·k + k0 (means over N, H, W), with
 * Σdy·x̂ = (Σdy·x − μ·Σdy)/√(σ²+ε); the per-channel k, k0 keep every full-size op a broadcast.
 */
function normalize(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D,
  eps: number, batchStats: boolean, relu: boolean): tf.Tensor4D {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    // one pass on wasm with plca's kernels (kernels/channel.ts), else [C]-sized ops + Multiply + Add
    const own = batchNormApply(xi, g, b, mean, variance, eps, relu);
    const invStd = own?.invStd ?? tf.rsqrt(tf.add(variance, eps)); // [C]
    const a = own?.a ?? tf.mul(g, invStd); // [C]
    const affine = (): tf.Tensor => tf.add(tf.mul(xi, a), tf.sub(b, tf.mul(mean, a)));
    const value = own?.y ?? (relu ? tf.relu(affine()) : affine());
    // with the ReLU fused, its output marks where the gradient passes (y > 0)
    save(relu ? [xi, invStd, a, mean, value] : [xi, invStd, a, mean]);
    return {
      value,
      gradFunc: (dyIn: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, is, sc, mu, out] = saved;
        const fused = batchNormGrad(dyIn, xs, mu, is, sc, batchStats, out); // sums in float64, no transpose
        if (fused) return [fused.dx, fused.dGamma, fused.dBeta];
        const dy = out ? tf.mul(dyIn, tf.step(out)) : dyIn;
        const dBeta = tf.sum(dy, [0, 1, 2]); // Σdy
        const dyx = tf.sum(tf.mul(dy, xs), [0, 1, 2]); // Σdy·x
        const dGamma = tf.mul(tf.sub(dyx, tf.mul(mu, dBeta)), is); // Σdy·x̂
        if (!batchStats) return [tf.mul(dy, sc), dGamma, dBeta];
        const m = xs.size / sc.size;
        const k = tf.neg(tf.div(tf.mul(tf.mul(sc, is), dGamma), m)); // −a·Σdy·x̂/(m·√(σ²+ε))
        const k0 = tf.sub(tf.neg(tf.div(tf.mul(sc, dBeta), m)), tf.mul(mu, k)); // −a·Σdy/m − μ·k
        return [tf.add(tf.add(tf.mul(dy, sc), tf.mul(xs, k)), k0), dGamma, dBeta];
      },
    };
  });
  return f(x, gamma, beta) as tf.Tensor4D;
}

/**
 * Batch norm, NHWC. Training normalises with the batch mean and the biased batch variance and
 * returns the batch mean and the unbiased variance for the caller's running-average update
 * (momentum 0.1 in PyTorch); inference normalises with the running statistics.
 * @param x [N, H, W, C] float32
 */
export function batchNorm(x: tf.Tensor4D, o: BatchNormOptions): BatchNormResult {
  check(x.rank === 4, 'batchNorm', `x must be rank 4 [N,H,W,C], got shape [${x.shape}]`);
  const c = x.shape[3];
  check(o.gamma.size === c && o.beta.size === c, 'batchNorm', `gamma/beta must have ${c} entries, got ${o.gamma.size}/${o.beta.size}`);
  const eps = o.eps ?? 1e-5;
  if (!o.training) {
    return { y: tf.tidy(() => normalize(x, o.gamma, o.beta, o.mean, o.variance, eps, false, o.relu ?? false)) };
  }
  const m = x.size / c;
  return tf.tidy(() => {
    // Statistics carry no gradient of their own: the closed form accounts for them.
    const { mean, variance } = channelMoments(x) ?? tf.moments(x, [0, 1, 2]);
    const y = normalize(x, o.gamma, o.beta, mean as tf.Tensor1D, variance as tf.Tensor1D, eps, true, o.relu ?? false);
    const batchVarUnbiased = tf.mul(variance, m / Math.max(1, m - 1)) as tf.Tensor1D;
    return { y, batchMean: mean as tf.Tensor1D, batchVarUnbiased };
  });
}

/**
 * Group norm, NHWC: statistics over (H, W, C/groups) per image and group, biased variance, as
 * PyTorch's nn.GroupNorm. Closed-form `customGrad`, the affine folded as in `batchNorm`: with
 * per-(image, channel) a = γ·r (r = 1/√(σ²+ε) of the channel's group) and c = β − μ·a the forward
 * is y = x·a + c. With u = dy·γ and means over a group's m = H·W·C/groups values,
 * ∂x = r·(u − mean(u) − x̂·mean(u·x̂)) = dy·a + x·k + k0, k = −r²·Σu·x̂/m, k0 = −r·Σu/m − μ·k, where
 * Σu·x̂ = Σ_c γ_c·D_c, D_c = Σ_hw dy·x̂ = r·(Σ_hw dy·x − μ·Σ_hw dy); ∂γ = Σ_n D, ∂β = Σ_n,hw dy.
 * Full-size work: forward two per-channel sums, one (x − μ)², one multiply-add; backward one
 * product and two per-channel sums, then the broadcasting multiply-adds of ∂x; the rest is on
 * [N, C]-sized tensors. (The autodiff of the plain formula made ~15 full-size kernels, several
 * of them transposing reductions.)
 * @param x [N, H, W, C] with C divisible by `groups`
 */
export function groupNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, eps = 1e-5): tf.Tensor4D {
  check(x.rank === 4, 'groupNorm', `x must be rank 4 [N,H,W,C], got shape [${x.shape}]`);
  const [n, h, w, c] = x.shape;
  check(c % groups === 0, 'groupNorm', `channels ${c} not divisible by groups ${groups}`);
  check(gamma.size === c && beta.size === c, 'groupNorm', `gamma/beta must have ${c} entries, got ${gamma.size}/${beta.size}`);
  const cg = c / groups;
  const m = h * w * cg;
  // [N, G, 1] per-group values → [N, 1, 1, C] per channel (a broadcasting Multiply: wasm's Tile is scalar)
  const perChannel = (t: tf.Tensor) => tf.reshape(tf.mul(t, tf.ones([1, groups, cg])), [n, 1, 1, c]);
  // Σ over H, W per image and channel → [N, G, Cg], as an H×W average pool (XNNPACK on wasm,
  // NHWC without a transpose): 4× faster than a Sum over axes 1, 2, which transposes first. (A
  // product with a block indicator [N, N·H·W] is fast in isolation but not in the net: XNNPACK
  // repacks the changing operand each time.)
  const sumHW = (t: tf.Tensor) => tf.reshape(tf.mul(tf.avgPool(t as tf.Tensor4D, [h, w], 1, 'valid'), h * w), [n, groups, cg]);
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const mu = tf.div(tf.sum(sumHW(xi), 2, true), m); // [N, G, 1]
    const muC = perChannel(mu);
    // two-pass variance as tf.moments, with one fused (x − μ)² kernel
    const variance = tf.div(tf.sum(sumHW(tf.squaredDifference(xi, muC)), 2, true), m);
    const r = tf.rsqrt(tf.add(variance, eps)); // [N, G, 1]
    const a = tf.reshape(tf.mul(r, tf.reshape(g, [1, groups, cg])), [n, 1, 1, c]);
    const shift = tf.sub(b, tf.mul(muC, a)); // [N, 1, 1, C]
    const value = tf.add(tf.mul(xi, a), shift);
    save([xi, mu, r, a]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, mus, rs, as] = saved;
        const g3 = tf.reshape(g, [1, groups, cg]);
        const sdy = sumHW(dy); // Σ_hw dy
        const sdyx = sumHW(tf.mul(dy, xs)); // Σ_hw dy·x
        const d = tf.mul(tf.sub(sdyx, tf.mul(mus, sdy)), rs); // Σ_hw dy·x̂, [N, G, Cg]
        const dGamma = tf.reshape(tf.sum(d, 0), [c]);
        const dBeta = tf.reshape(tf.sum(sdy, 0), [c]);
        const sux = tf.sum(tf.mul(d, g3), 2, true); // Σu·x̂, [N, G, 1]
        const su = tf.sum(tf.mul(sdy, g3), 2, true); // Σu
        const k = tf.mul(tf.mul(rs, rs), tf.mul(sux, -1 / m));
        const k0 = tf.sub(tf.mul(rs, tf.mul(su, -1 / m)), tf.mul(mus, k));
        const dx = tf.add(tf.add(tf.mul(dy, as), tf.mul(xs, perChannel(k))), perChannel(k0));
        return [dx, dGamma, dBeta];
      },
    };
  });
  return f(x, gamma, beta) as tf.Tensor4D;
}
