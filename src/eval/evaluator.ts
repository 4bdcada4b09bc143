// Dataset evaluation: predictions upsampled to each label's size, accumulated in one
// confusion matrix (reference tools/test.py), then the metrics.
import * as tf from '@tensorflow/tfjs-core';
import type { Segmentor } from '../models/index.js';
import { PlcaError } from '../util/errors.js';
import { ConfusionMatrix } from './confusion_matrix.js';
import { computeMetrics, type Metrics } from './metrics.js';
import { predict, type PredictOptions } from './predict.js';

/** HWC row-major data with its size. */
export interface SizedArray<T extends ArrayLike<number>> { width: number; height: number; data: T }

export interface EvalSample {
  /** the network input, already normalised (data/transforms.ts `normalizeImage`): an NHWC tensor
   *  [1, H, W, 3] or [H, W, 3] (evaluate disposes it), or HWC float32 data with its size */
  image: tf.Tensor3D | tf.Tensor4D | SizedArray<Float32Array>;
  /** class ids in the head's order, 255 (any id ≥ K) = ignore; a bare array has the image's
   *  size, a sized one may be larger (the reference scores 730×1460 inputs on 1024×2048 labels) */
  label: ArrayLike<number> | SizedArray<ArrayLike<number>>;
  id?: string;
}

export interface EvaluateOptions extends PredictOptions {
  /** one per class, in the head's order. @default defaultClassNames(K) */
  classNames?: readonly string[];
  /** called after each image */
  onImage?: (e: { index: number; id?: string; pixels: number }) => void;
}

export interface EvalResult {
  metrics: Metrics;
  confusion: ConfusionMatrix;
  images: number;
}

function isSized<T extends ArrayLike<number>>(v: unknown): v is SizedArray<T> {
  return typeof v === 'object' && v !== null && 'data' in v && 'width' in v && 'height' in v;
}

function imageTensor(img: EvalSample['image'], index: number): tf.Tensor4D {
  if (img instanceof tf.Tensor) {
    if (img.rank === 3) {
      const x = tf.expandDims(img, 0) as tf.Tensor4D;
      img.dispose();
      return x;
    }
    if (img.rank === 4 && img.shape[0] === 1) return img as tf.Tensor4D;
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `evaluate: image ${index} must be [H, W, 3] or [1, H, W, 3], got [${img.shape.join(', ')}]`);
  }
  if (!isSized(img) || img.data.length !== img.width * img.height * 3) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `evaluate: image ${index} must be a tensor or {width, height, data} with width·height·3 values`);
  }
  return tf.tensor4d(img.data, [1, img.height, img.width, 3]);
}

function labelOf(s: EvalSample, x: tf.Tensor4D, index: number): SizedArray<ArrayLike<number>> {
  const l = isSized<ArrayLike<number>>(s.label) ? s.label : { width: x.shape[2], height: x.shape[1], data: s.label };
  if (l.data.length !== l.width * l.height) {
    const what = s.id ? `"${s.id}"` : `${index}`;
    throw new PlcaError('PLCA_SIZE_MISMATCH', `evaluate: label of image ${what} has ${l.data.length} values, expected ${l.height}×${l.width}`);
  }
  return l;
}

/**
 * Evaluates `model` over `samples`, one image at a time (memory is that of one image and one
 * label-sized score map, 160 MB for 19 classes at 1024×2048).
 */
export async function evaluate(
  model: Segmentor, samples: AsyncIterable<EvalSample> | Iterable<EvalSample>, opts: EvaluateOptions = {},
): Promise<EvalResult> {
  const { classNames, onImage, ...predictOpts } = opts;
  const cm = new ConfusionMatrix(model.numClasses);
  if (classNames && classNames.length !== model.numClasses) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `evaluate: ${classNames.length} class names for model "${model.name}" with ${model.numClasses} classes`);
  }
  let index = 0;
  for await (const s of samples) {
    const x = imageTensor(s.image, index);
    try {
      const label = labelOf(s, x, index);
      const pred = predict(model, x, { ...predictOpts, outputSize: [label.height, label.width] });
      const p = pred.dataSync();
      pred.dispose();
      cm.update(label.data, p);
      onImage?.({ index, id: s.id, pixels: label.data.length });
    } finally {
      x.dispose();
    }
    index++;
  }
  return { metrics: computeMetrics(cm, classNames), confusion: cm, images: index };
}
