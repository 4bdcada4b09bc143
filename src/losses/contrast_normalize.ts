// Contrast normalisation of similarity rows (Eq. 5–6), as the reference's `AssociationLoss.scoring`.
import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from './stop_gradient.js';

/** Added to the standard deviation, as the reference. */
export const CONTRAST_EPS = 1e-10;

/**
 * Row statistics for contrast normalisation: mean and unbiased (n−1) standard deviation along the
 * last axis, as PyTorch's default `torch.std`.
 * @param sim [..., L] similarities
 * @returns mean and std, shaped [..., 1]
 */
export function rowMeanStd(sim: tf.Tensor): { mean: tf.Tensor; std: tf.Tensor } {
  return tf.tidy(() => {
    const n = sim.shape[sim.rank - 1];
    const mean = tf.mean(sim, -1, true);
    const ss = tf.sum(tf.square(tf.sub(sim, mean)), -1, true);
    const std = tf.sqrt(tf.div(ss, Math.max(1, n - 1)));
    return { mean, std };
  });
}

/**
 * (sim − μ) / (σ + 1e-10) along the last axis, with μ and σ treated as constants in the backward pass
 * (the reference detaches them; the paper's Eq. 5 reads the gradient as "scaled by σ").
 * @param sim [..., L]
 * @see Eq. (5), Eq. (6)
 */
export function contrastNormalize<T extends tf.Tensor>(sim: T): T {
  return tf.tidy(() => {
    const { mean, std } = rowMeanStd(sim);
    return tf.div(tf.sub(sim, stopGradient(mean)), tf.add(stopGradient(std), CONTRAST_EPS)) as T;
  });
}

/** The reference's `scoring`: softmax along the last axis of the contrast-normalised similarities. */
export function contrastSoftmax<T extends tf.Tensor>(sim: T): T {
  return tf.tidy(() => tf.softmax(contrastNormalize(sim)) as T);
}

/** log of `contrastSoftmax`, computed stably (used for the association's −log terms). */
export function contrastLogSoftmax<T extends tf.Tensor>(sim: T): T {
  return tf.tidy(() => tf.logSoftmax(contrastNormalize(sim)) as T);
}
