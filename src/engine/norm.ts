// Normalisation layers, NHWC, with closed-form gradients. Why: the stock batch-norm gradient tiles
// [C] vectors to full size (9 ms/step in wasm's scalar Tile alone, notes/engine.md item 5); here
// every [C] vector meets the activations through a broadcasting binary op.
import * as tf from '@tensorflow/tfjs-core';
import { check } from '../util/errors.js';

export interface BatchNormOptions {
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
  /** running mean, used when not training */ mean: tf.Tensor1D;
  /** running variance, used when not training */ variance: tf.Tensor1D;
  training: boolean;
  /** @default 1e-5 */ eps?: number;
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
  eps: number, batchStats: boolean): tf.Tensor4D {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const invStd = tf.rsqrt(tf.add(variance, eps)); // [C]
    const a = tf.mul(g, invStd); // [C]
    const value = tf.add(tf.mul(xi, a), tf.sub(b, tf.mul(mean, a)));
    save([xi, invStd, a, mean]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, is, sc, mu] = saved;
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
    return { y: tf.tidy(() => normalize(x, o.gamma, o.beta, o.mean, o.variance, eps, false)) };
  }
  const m = x.size / c;
  return tf.tidy(() => {
    // Statistics carry no gradient of their own: the closed form accounts for them.
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const y = normalize(x, o.gamma, o.beta, mean as tf.Tensor1D, variance as tf.Tensor1D, eps, true);
    const batchVarUnbiased = tf.mul(variance, m / Math.max(1, m - 1)) as tf.Tensor1D;
    return { y, batchMean: mean as tf.Tensor1D, batchVarUnbiased };
  });
}

/**
 * Group norm, NHWC: statistics over (H, W, C/groups) per image and group; autodiff gradient.
 * @param x [N, H, W, C] with C divisible by `groups`
 */
export function groupNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, eps = 1e-5): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  check(c % groups === 0, 'groupNorm', `channels ${c} not divisible by groups ${groups}`);
  return tf.tidy(() => {
    const g = tf.reshape(x, [n, h, w, groups, c / groups]);
    const { mean, variance } = tf.moments(g, [1, 2, 4], true);
    const norm = tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(tf.reshape(norm, [n, h, w, c]), gamma), beta) as tf.Tensor4D;
  });
}
