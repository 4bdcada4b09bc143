/**
 * Batched evaluation of a MiniCity net on a generated set: mIoU and per-class IoU by name, and
 * the share of pixels predicted as each class (a label-free collapse signal).
 */
import { ConfusionMatrix, computeMetrics, predict } from '../eval/index.js';
import type { MiniCitySet } from '../minicity/index.js';
import type { Segmentor } from '../models/index.js';
import { DEMO_CLASS_NAMES, setImages } from './data.js';

export interface ArmMetrics {
  /** mean IoU over the 9 classes, in % */
  mIoU: number;
  /** IoU in % by class name (null when the class is absent from labels and predictions) */
  perClass: Record<string, number | null>;
  pixelAccuracy: number;
  images: number;
  /** share of predicted pixels per class index (label-free: a collapse signal) */
  predictedShares: number[];
}

const pct = (v: number | null) => (v === null ? null : 100 * v);

/** Class predicted per pixel for images [from, from+count), compact indices. */
export function predictSet(model: Segmentor, set: MiniCitySet, from: number, count: number): Int32Array {
  const x = setImages(set, from, count);
  try {
    const p = predict(model, x, { outputSize: [set.height, set.width] });
    const out = p.dataSync() as Int32Array;
    p.dispose();
    return out;
  } finally {
    x.dispose();
  }
}

/** Metrics of `model` on the first `limit` images of `set` (labels in compact indices). */
export function evaluateSet(model: Segmentor, set: MiniCitySet, limit = set.count, batch = 25): ArmMetrics {
  const cm = new ConfusionMatrix(model.numClasses);
  const n = Math.min(limit, set.count);
  const px = set.width * set.height;
  for (let i = 0; i < n; i += batch) {
    const b = Math.min(batch, n - i);
    const p = predictSet(model, set, i, b);
    cm.update(set.labels.subarray(i * px, (i + b) * px), p);
  }
  const m = computeMetrics(cm, [...DEMO_CLASS_NAMES]);
  const cols = Array.from({ length: model.numClasses }, (_, p) => {
    let c = 0;
    for (let g = 0; g < model.numClasses; g++) c += cm.get(g, p);
    return c;
  });
  return {
    mIoU: pct(m.mIoU) ?? 0,
    perClass: Object.fromEntries(m.classNames.map((c, i) => [c, pct(m.perClassIoU[i])])),
    pixelAccuracy: pct(m.pixelAccuracy) ?? 0,
    images: n,
    predictedShares: cols.map((c) => c / Math.max(1, m.pixels)),
  };
}
