// Inference: scores at a chosen input size, bilinearly upsampled to the label size, with or
// without the reference's two-stage test-time aggregation. NHWC throughout.
import * as tf from '@tensorflow/tfjs-core';
import { resizeBilinear } from '../engine/ops.js';
import { spatialAggregate, type BlockRows } from '../losses/index.js';
import type { Segmentor } from '../models/index.js';
import { assertRank } from '../util/assert.js';
import { PlcaError } from '../util/errors.js';

export interface PredictOptions {
  /** resize the (normalised) image to [h, w] before the network (the reference: 730×1460). @default as given */
  inputSize?: [number, number];
  /** size of the returned scores, normally the label size. @default the image size */
  outputSize?: [number, number];
  /** the reference's test-time aggregation (tools/test.py, docs/design/reference-implementation.md §4.5). @default false */
  aggregate?: boolean;
  /** mixing weight of both aggregation stages; the reference fixes 0.5. @default 0.5 */
  alpha?: number;
  /**
   * Receiving rows per block of the (h·w)² self-affinity, passed to `spatialAggregate`: 'auto'
   * switches to row blocks above DEFAULT_BLOCK_ELEMENTS (2 M) entries, so memory stays O(h·w·(C + rows)) — a 2048×1024
   * image at 730×1460 input has a 92×183 grid, whose dense affinity alone would be 1.1 GB.
   * Measured (wasm, 1 thread): DeepLab-V2/ResNet-101 at 730×1460 with aggregation, scores at
   * 1024×2048, peaks at 2.07 GB process RSS (176 MB of it weights), under wasm32's 4 GB heap.
   * @default 'auto'
   */
  blockRows?: BlockRows;
}

function size(o: [number, number] | undefined, what: string): void {
  if (o && !(o.length === 2 && o.every((v) => Number.isInteger(v) && v > 0))) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in predict: ${what} must be [height, width] positive integers, got [${o.join(', ')}]`);
  }
}

/**
 * Scores of one image at the feature grid. Without aggregation: the logits. With it, as the
 * reference (tools/test.py, α = 0.5): feat ← (1−α)·feat + α·Agg_cos(feat) (contrast-normalised
 * self-affinity); probs = softmax(classifier(feat)); probs ← (1−α)·probs + α·Agg_KL(probs)
 * (plain softmax of −KL). The argmax of either is the prediction.
 * @see Eq. (7), Eq. (8)
 */
function gridScores(model: Segmentor, x: tf.Tensor4D, o: PredictOptions): tf.Tensor4D {
  return tf.tidy(() => {
    const input = o.inputSize ? resizeBilinear(x, o.inputSize) : x;
    const { features, logits } = model.apply(input, { training: false });
    if (!o.aggregate) return logits;
    const alpha = o.alpha ?? 0.5;
    const feat = spatialAggregate(features, { metric: 'cos', alpha, blockRows: o.blockRows }); // [1, h, w, C]
    const probs = tf.softmax(model.classify(feat)) as tf.Tensor4D; // [1, h, w, K]
    return spatialAggregate(probs, { metric: 'kl', alpha, blockRows: o.blockRows });
  });
}

/** Runs `fn` on each image of the batch separately (memory stays that of one image) and stacks. */
function perImage<T extends tf.Tensor>(images: tf.Tensor4D, fn: (x: tf.Tensor4D) => T): T {
  const n = images.shape[0];
  if (n === 1) return fn(images);
  const parts = Array.from({ length: n }, (_, i) => {
    const x = tf.slice(images, [i, 0, 0, 0], [1, -1, -1, -1]);
    const y = fn(x);
    x.dispose();
    return y;
  });
  const out = tf.concat(parts) as T;
  tf.dispose(parts);
  return out;
}

function validate(model: Segmentor, images: tf.Tensor4D, o: PredictOptions): [number, number] {
  assertRank(images, 4, 'predict', 'images', '[N, H, W, 3]');
  size(o.inputSize, 'inputSize');
  size(o.outputSize, 'outputSize');
  if (o.alpha !== undefined && !(o.alpha >= 0 && o.alpha <= 1)) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in predict: alpha must lie in [0, 1], got ${o.alpha}`);
  }
  if (images.shape[3] !== 3) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in predict: images must have 3 channels, got [${images.shape.join(', ')}] for model "${model.name}"`);
  }
  return o.outputSize ?? [images.shape[1], images.shape[2]];
}

/**
 * Class scores bilinearly upsampled (half-pixel centres, as PyTorch align_corners=False) to
 * `outputSize`: logits without aggregation, aggregated probabilities with it.
 * @param images normalised NHWC float32 [N, H, W, 3]
 * @returns [N, outH, outW, K]
 */
export function predictLogits(model: Segmentor, images: tf.Tensor4D, opts: PredictOptions = {}): tf.Tensor4D {
  const out = validate(model, images, opts);
  return perImage(images, (x) => tf.tidy(() => resizeBilinear(gridScores(model, x, opts), out)));
}

/**
 * Predicted class per pixel at `outputSize` (argmax of `predictLogits`).
 * @returns int32 [N, outH, outW]
 */
export function predict(model: Segmentor, images: tf.Tensor4D, opts: PredictOptions = {}): tf.Tensor3D {
  const out = validate(model, images, opts);
  return perImage(images, (x) => tf.tidy(() => {
    const scores = resizeBilinear(gridScores(model, x, opts), out);
    return tf.argMax(scores, 3) as tf.Tensor3D;
  }));
}
