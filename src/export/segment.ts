/**
 * Segmenting an image with an exported GraphModel: the same steps in Node and in a browser (the
 * web app's Segment page, and the test that compares the two). The image is resized to the
 * model's fixed input size with plca's own PIL-compatible bilinear filter and normalised as the
 * export's metadata says (as in training); the `labels` output (argmax of the upsampled logits)
 * is mapped back to the image's size by nearest neighbour.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CITYSCAPES_PALETTE, CLASS_NAMES } from '../data/label_maps.js';
import type { RgbImage } from '../data/image_io.js';
import { normalizeImage, resizeBilinear, type NormalizeSpec } from '../data/transforms.js';
import { PlcaError } from '../util/errors.js';

type Rgb = readonly [number, number, number];

/** What the Segment page and `segmentImage` need from an export's metadata. */
export interface ExportedModelInfo {
  /** registry name of the network */
  model: string;
  /** [H, W] the graph takes */
  inputSize: [number, number];
  numClasses: number;
  classNames: string[];
  /** display colour of each class (Cityscapes palette) */
  colors: Rgb[];
  normalization: NormalizeSpec;
  /** whether the graph has the `labels` output (else argmax of upsampled logits here) */
  labelsOutput: boolean;
}

/** The model-side interface `segmentImage` uses (a stock `tf.GraphModel` has it). */
export interface ExecutableModel {
  execute(inputs: tf.Tensor, outputs?: string | string[]): tf.Tensor | tf.Tensor[];
  readonly metadata?: unknown;
}

/** Caffe's BGR mean on 0..255: the config default, and the assumption for exports that record none. */
const CAFFE_NORM: NormalizeSpec = { channelOrder: 'bgr', scale: 1, mean: [104.00698793, 116.66876762, 122.67891434], std: [1, 1, 1] };

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? v as Record<string, unknown> : {});
const triple = (v: unknown): v is [number, number, number] => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number');

function normalizationOf(v: unknown): NormalizeSpec {
  const n = obj(v);
  if ((n.channelOrder === 'rgb' || n.channelOrder === 'bgr') && typeof n.scale === 'number' && triple(n.mean) && triple(n.std)) {
    return { channelOrder: n.channelOrder, scale: n.scale, mean: n.mean, std: n.std };
  }
  return CAFFE_NORM;
}

/**
 * Reads `userDefinedMetadata` of a plca export (`plca export`, `exportModel`, the demo's export).
 * Class names and colours default to the Cityscapes 19 for 19 classes, else `class i` in the
 * Cityscapes palette's order.
 */
export function exportedModelInfo(metadata: unknown, source = 'model.json'): ExportedModelInfo {
  const m = obj(obj(metadata).plca);
  const size = m.inputSize;
  const k = m.numClasses;
  if (!Array.isArray(size) || size.length !== 2 || typeof k !== 'number') {
    throw new PlcaError('PLCA_CHECKPOINT_INVALID', `${source} is not a plca export (its userDefinedMetadata.plca lacks inputSize or numClasses)`, {
      hint: 'export the model with `plca export --checkpoint RUN --out DIR`',
    });
  }
  const names = Array.isArray(m.classNames) && m.classNames.length === k ? m.classNames.map(String)
    : k === CLASS_NAMES.length ? [...CLASS_NAMES] : Array.from({ length: k }, (_, i) => `class ${i}`);
  const colors = Array.isArray(m.classColors) && m.classColors.length === k && m.classColors.every(triple) ? m.classColors as Rgb[]
    : Array.from({ length: k }, (_, i) => CITYSCAPES_PALETTE[i % CITYSCAPES_PALETTE.length]);
  return {
    model: String(m.model ?? 'unknown'), inputSize: [Number(size[0]), Number(size[1])], numClasses: k,
    classNames: names, colors, normalization: normalizationOf(m.normalization), labelsOutput: obj(m.outputs).labels !== undefined,
  };
}

/** An image as RGB (RGBA input, e.g. canvas ImageData, drops alpha). */
export function toRgbImage(img: { width: number; height: number; data: ArrayLike<number> }): RgbImage {
  const n = img.width * img.height;
  if (img.data.length === 3 * n) return { width: img.width, height: img.height, channels: 3, data: Uint8Array.from(img.data) };
  if (img.data.length !== 4 * n) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `image of ${img.width}×${img.height} has ${img.data.length} values; expected RGB or RGBA`);
  }
  const out = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[3 * i] = img.data[4 * i];
    out[3 * i + 1] = img.data[4 * i + 1];
    out[3 * i + 2] = img.data[4 * i + 2];
  }
  return { width: img.width, height: img.height, channels: 3, data: out };
}

/** The model's input for `img`: resized (PIL bilinear) and normalised, NHWC [1, H, W, 3]. */
export function modelInput(img: RgbImage, info: ExportedModelInfo): tf.Tensor4D {
  const [H, W] = info.inputSize;
  const sized = img.height === H && img.width === W ? img : resizeBilinear(img, H, W);
  return tf.tensor4d(normalizeImage(sized, info.normalization), [1, H, W, 3]);
}

export interface Segmentation {
  /** class per pixel at the image's size (row-major) */
  labels: Uint8Array;
  /** class per pixel at the model's input size */
  modelLabels: Uint8Array;
  width: number;
  height: number;
  /** share of the image's pixels given to each class */
  shares: number[];
  /** wall time of the model (input upload, graph, labels download) */
  ms: number;
}

/** Nearest-neighbour resize of a label map (source = floor((dst + 0.5)·in/out)). */
export function resizeLabels(labels: ArrayLike<number>, h: number, w: number, outH: number, outW: number): Uint8Array {
  const out = new Uint8Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / outH));
    for (let x = 0; x < outW; x++) out[y * outW + x] = labels[sy * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / outW))];
  }
  return out;
}

/** Segments one image (see the module comment); disposes every tensor it makes. */
export async function segmentImage(model: ExecutableModel, img: RgbImage, info: ExportedModelInfo): Promise<Segmentation> {
  const [H, W] = info.inputSize;
  const x = modelInput(img, info);
  const t0 = performance.now();
  let modelLabels: Uint8Array;
  try {
    const out = tf.tidy(() => {
      if (info.labelsOutput) return model.execute(x, 'labels') as tf.Tensor;
      const logits = model.execute(x, 'logits') as tf.Tensor4D;
      return tf.argMax(tf.image.resizeBilinear(logits, [H, W], false, true), 3);
    });
    modelLabels = Uint8Array.from(await out.data() as Int32Array);
    out.dispose();
  } finally {
    x.dispose();
  }
  const ms = performance.now() - t0;
  const labels = img.height === H && img.width === W ? modelLabels : resizeLabels(modelLabels, H, W, img.height, img.width);
  const counts = new Array<number>(info.numClasses).fill(0);
  for (const l of labels) if (l < counts.length) counts[l] += 1;
  return { labels, modelLabels, width: img.width, height: img.height, shares: counts.map((c) => c / labels.length), ms };
}

/** RGBA pixels of the image with the mask blended over it (`alpha` of the class colour). */
export function maskOverlay(img: RgbImage, labels: ArrayLike<number>, colors: readonly Rgb[], alpha = 0.55): Uint8ClampedArray<ArrayBuffer> {
  const n = img.width * img.height;
  const out = new Uint8ClampedArray(4 * n);
  for (let i = 0; i < n; i++) {
    const c = colors[labels[i]] ?? [0, 0, 0];
    for (let ch = 0; ch < 3; ch++) out[4 * i + ch] = (1 - alpha) * img.data[3 * i + ch] + alpha * c[ch];
    out[4 * i + 3] = 255;
  }
  return out;
}
