// Engine ops, NHWC. Forward passes use the stock kernels; `initEngine` replaces the gradients that
// stock TF.js gets wrong or cannot compute (dilated conv, half-pixel resize; docs/design/engine.md).
import * as tf from '@tensorflow/tfjs-core';
import { check } from '../util/errors.js';
import { addReluKernel, reluGrad } from './kernels/channel.js';

export interface Conv2dOptions {
  /** @default 1 */ stride?: number;
  /** @default 1 */ dilation?: number;
  /** symmetric zero padding on each side, as PyTorch's `padding=p`. @default 0 */ pad?: number;
}

/** 2-D convolution, NHWC input, filter [kh, kw, in, out], PyTorch-style symmetric padding. */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, opts: Conv2dOptions = {}): tf.Tensor4D {
  const { stride = 1, dilation = 1, pad = 0 } = opts;
  check(stride === 1 || dilation === 1, 'conv2d', `stride ${stride} and dilation ${dilation} cannot both exceed 1`);
  check(x.shape[3] === w.shape[2], 'conv2d', `input has ${x.shape[3]} channels, filter [${w.shape}] expects ${w.shape[2]}`);
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

export { batchNorm, groupNorm } from './norm.js';
export type { BatchNormOptions, BatchNormResult } from './norm.js';
export { softmaxCrossEntropy } from './cross_entropy.js';
export { matmul } from './matmul.js';
export { sgdUpdate, sumSquares } from './kernels/channel.js';

/**
 * max(a + b, 0) — a residual block's sum and ReLU — as one differentiable op: one pass each way
 * with plca's wasm kernels, and only the output is kept for the gradient (Add then ReLU keeps
 * the sum as well). Elsewhere the same with tfjs ops.
 */
export function addRelu(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  check(tf.util.arraysEqual(a.shape, b.shape), 'addRelu', `shapes differ: [${a.shape}] and [${b.shape}]`);
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, y, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const value = addReluKernel(x, y) ?? tf.relu(tf.add(x, y));
    save([value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const g = reluGrad(dy, saved[0]) ?? tf.mul(dy, tf.step(saved[0]));
        return [g, tf.clone(g)];
      },
    };
  });
  return f(a, b) as tf.Tensor4D;
}
