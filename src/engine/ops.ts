// Engine ops, NHWC. First version on stock TF.js kernels; gradients for dilated conv and half-pixel
// resize are replaced by the engine's own (see notes/engine.md).
import * as tf from '@tensorflow/tfjs-core';

export interface Conv2dOptions {
  /** @default 1 */ stride?: number;
  /** @default 1 */ dilation?: number;
  /** symmetric zero padding on each side, as PyTorch's `padding=p`. @default 0 */ pad?: number;
}

/** 2-D convolution, NHWC input, filter [kh, kw, in, out], PyTorch-style symmetric padding. */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, opts: Conv2dOptions = {}): tf.Tensor4D {
  const { stride = 1, dilation = 1, pad = 0 } = opts;
  const padding = pad === 0 ? 'valid' : ([[0, 0], [pad, pad], [pad, pad], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]]);
  return tf.conv2d(x, w, stride, padding, 'NHWC', dilation);
}

/** Bilinear resize with half-pixel centres (PyTorch align_corners=False). */
export function resizeBilinear(x: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  return tf.image.resizeBilinear(x, size, false, true);
}

/** Nearest-neighbour label resize as the reference: source index floor(dst * in / out). */
export function resizeNearestLabels(labels: tf.Tensor3D, size: [number, number]): tf.Tensor3D {
  return tf.tidy(() => {
    const [, h, w] = labels.shape;
    const [oh, ow] = size;
    const rows = Array.from({ length: oh }, (_, i) => Math.min(h - 1, Math.floor((i * h) / oh)));
    const cols = Array.from({ length: ow }, (_, j) => Math.min(w - 1, Math.floor((j * w) / ow)));
    const r = tf.gather(labels, tf.tensor1d(rows, 'int32'), 1);
    return tf.gather(r, tf.tensor1d(cols, 'int32'), 2) as tf.Tensor3D;
  });
}

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
  /** batch statistics (training only), for the running-average update */
  batchMean?: tf.Tensor1D;
  batchVarUnbiased?: tf.Tensor1D;
}

/** Batch norm, NHWC. Training normalises with the biased batch variance (as PyTorch). */
export function batchNorm(x: tf.Tensor4D, o: BatchNormOptions): BatchNormResult {
  const eps = o.eps ?? 1e-5;
  if (!o.training) {
    return { y: tf.tidy(() => tf.batchNorm(x, o.mean, o.variance, o.beta, o.gamma, eps) as tf.Tensor4D) };
  }
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const n = x.shape[0] * x.shape[1] * x.shape[2];
  const y = tf.tidy(() => tf.batchNorm(x, mean, variance, o.beta, o.gamma, eps) as tf.Tensor4D);
  const batchVarUnbiased = tf.tidy(() => tf.mul(variance, n / Math.max(1, n - 1)) as tf.Tensor1D);
  variance.dispose();
  return { y, batchMean: mean as tf.Tensor1D, batchVarUnbiased };
}

/** Group norm, NHWC. */
export function groupNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, eps = 1e-5): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const g = tf.reshape(x, [n, h, w, groups, c / groups]);
    const { mean, variance } = tf.moments(g, [1, 2, 4], true);
    const norm = tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(tf.reshape(norm, [n, h, w, c]), gamma), beta) as tf.Tensor4D;
  });
}

/** Softmax cross-entropy over the last axis, mean over pixels whose label is not `ignoreIndex`; 0 when none. */
export function softmaxCrossEntropy(
  logits: tf.Tensor4D, labels: tf.Tensor3D, opts: { ignoreIndex?: number } = {},
): tf.Scalar {
  const ignore = opts.ignoreIndex ?? 255;
  return tf.tidy(() => {
    const k = logits.shape[3];
    const valid = tf.cast(tf.notEqual(labels, ignore), 'float32');
    const safe = tf.where(tf.notEqual(labels, ignore), labels, tf.zerosLike(labels));
    const onehot = tf.oneHot(tf.cast(safe, 'int32'), k);
    const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), onehot), -1));
    const count = tf.sum(valid);
    return tf.div(tf.sum(tf.mul(nll, valid)), tf.maximum(count, 1)) as tf.Scalar;
  });
}

/** Matrix product for rank 2 and 3 operands. */
export function matmul<T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: T, transposeA = false, transposeB = false): T {
  return tf.matMul(a, b, transposeA, transposeB) as T;
}
