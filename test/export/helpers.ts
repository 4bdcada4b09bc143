// Shared setup of the export tests: models with non-trivial weights and statistics, and the
// plca reference outputs an exported model must reproduce.
import * as tf from '@tensorflow/tfjs-core';
import type { Segmentor } from '../../src/models/index.js';
import { resizeBilinear } from '../../src/engine/index.js';

/**
 * Gives every norm layer random affine parameters and (BN) running statistics: a freshly
 * initialised model has γ = 1, β = 0, μ = 0, σ² = 1, which would hide a wrong BN fold or a
 * swapped GN affine. Conv weights keep their seeded init.
 */
export function randomizeNorms(model: Segmentor, seed: number): void {
  let s = seed;
  const draw = (v: tf.Variable, lo: number, hi: number) =>
    tf.tidy(() => v.assign(tf.randomUniform(v.shape, lo, hi, 'float32', s++)));
  for (const [name, v] of model.params) {
    if (v.rank !== 1) continue;
    if (name.endsWith('.weight')) draw(v, 0.5, 1.5);
    else draw(v, -0.2, 0.2); // norm β and conv biases
  }
  for (const [name, v] of model.state) {
    if (name.endsWith('.running_mean')) draw(v, -0.3, 0.3);
    else draw(v, 0.5, 2);
  }
}

/** plca's inference logits and the argmax of their bilinear upsampling to the input size. */
export function reference(model: Segmentor, x: tf.Tensor4D): { logits: tf.Tensor4D; labels: tf.Tensor3D } {
  return tf.tidy(() => {
    const { logits } = model.apply(x, { training: false });
    const up = resizeBilinear(logits, [x.shape[1], x.shape[2]]);
    return { logits, labels: tf.argMax(up, 3) as tf.Tensor3D };
  });
}

/**
 * Checks exported labels against plca's: a pixel may differ only where plca's top two upsampled
 * scores are within `tieTol` (float rounding may pick either). Returns the differing pixels.
 */
export function labelMismatches(model: Segmentor, x: tf.Tensor4D, labels: tf.Tensor, tieTol = 1e-4): { differ: number; unexplained: number } {
  return tf.tidy(() => {
    const up = resizeBilinear(model.apply(x, { training: false }).logits, [x.shape[1], x.shape[2]]);
    const mine = tf.argMax(up, 3).dataSync();
    const theirs = labels.dataSync();
    const scores = up.dataSync();
    const k = up.shape[3];
    let differ = 0;
    let unexplained = 0;
    for (let i = 0; i < mine.length; i++) {
      if (mine[i] === theirs[i]) continue;
      differ += 1;
      if (Math.abs(scores[i * k + mine[i]] - scores[i * k + theirs[i]]) > tieTol) unexplained += 1;
    }
    return { differ, unexplained };
  });
}

/**
 * max |a − b| / max |b|: the export's tolerance. Not the fixtures' element-wise `relError`: BN
 * folding and a different reduction order round differently, and an element-wise ratio blows
 * those ~1e-7 differences up wherever a logit is near zero.
 */
export function maxRelDiff(actual: tf.Tensor, expected: tf.Tensor): number {
  return tf.tidy(() => {
    const diff = tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0];
    const scale = tf.max(tf.abs(expected)).dataSync()[0];
    return diff / scale;
  });
}
