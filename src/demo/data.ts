/**
 * The demo's data: MiniCity source train, unlabelled target train and labelled target (and
 * source) val, generated from fixed seeds, with labels remapped from Cityscapes train ids to
 * the net's 9 compact class indices (the head has 9 outputs, in MINICITY_CLASSES order).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  generateSet, MINICITY_CLASSES, MINICITY_DEFAULTS, TRAIN_ID, type MiniCitySet, type TargetOverride,
} from '../minicity/index.js';
import type { EvalSample } from '../eval/index.js';
import { PlcaError } from '../util/errors.js';

/** Class names in the head's order (compact index i ↔ MINICITY_CLASSES[i]). */
export const DEMO_CLASS_NAMES: readonly string[] = MINICITY_CLASSES.map((c) => (c === 'trafficSign' ? 'traffic sign' : c));

/** Train id → compact class index; anything else → 255 (ignored). */
export const TRAIN_TO_COMPACT: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(255);
  MINICITY_CLASSES.forEach((c, i) => { t[TRAIN_ID[c]] = i; });
  return t;
})();

/** Compact class index → train id (255 stays 255), for drawing predictions in the Cityscapes palette. */
export function compactToTrainIds(pred: ArrayLike<number>): Uint8Array {
  const ids = MINICITY_CLASSES.map((c) => TRAIN_ID[c]);
  const out = new Uint8Array(pred.length);
  for (let i = 0; i < pred.length; i++) out[i] = pred[i] < ids.length ? ids[pred[i]] : 255;
  return out;
}

export interface DemoDataSizes {
  /** source train and target train images each */
  train: number;
  /** target val (and source val) images */
  val: number;
}

export interface DemoData {
  /** labels in compact indices */
  sourceTrain: MiniCitySet;
  /** its labels are never used for training; kept compact for diagnostics (correct ratios) */
  targetTrain: MiniCitySet;
  targetVal: MiniCitySet;
  sourceVal: MiniCitySet;
  k: number;
  generationSeconds: number;
}

/** A copy of the set whose labels are compact class indices. */
export function compactSet(set: MiniCitySet): MiniCitySet {
  const labels = new Uint8Array(set.labels.length);
  for (let i = 0; i < labels.length; i++) labels[i] = TRAIN_TO_COMPACT[set.labels[i]];
  return { ...set, labels };
}

/**
 * The four sets, from MINICITY_DEFAULTS' seeds (the data is the same for every training
 * seed; only initialisation, order and flips change with the run's seed).
 */
export function generateDemoData(sizes: DemoDataSizes, k: number, override?: TargetOverride): DemoData {
  for (const [name, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v < 1) throw new PlcaError('PLCA_INVALID_ARGUMENT', `demo: ${name} image count must be an integer >= 1, got ${v}`);
  }
  const t0 = Date.now();
  const s = MINICITY_DEFAULTS.seeds;
  const tgt = { domain: 'target' as const, k, targetStyleOverride: override };
  const data = {
    sourceTrain: compactSet(generateSet({ count: sizes.train, seed: s.sourceTrain, domain: 'source' })),
    sourceVal: compactSet(generateSet({ count: sizes.val, seed: s.sourceVal, domain: 'source' })),
    targetTrain: compactSet(generateSet({ count: sizes.train, seed: s.targetTrain, ...tgt })),
    targetVal: compactSet(generateSet({ count: sizes.val, seed: s.targetVal, ...tgt })),
  };
  return { ...data, k, generationSeconds: (Date.now() - t0) / 1000 };
}

/** Normalisation of the demo streams and evaluation: (x/255 − 0.5)/0.25, as the prototype. */
export const DEMO_NORM = { mean: 0.5, std: 0.25 } as const;

/** Images [from, from+count) of a set as one normalised NHWC batch. */
export function setImages(set: MiniCitySet, from: number, count: number): tf.Tensor4D {
  const px = set.width * set.height;
  const n = Math.max(0, Math.min(count, set.count - from));
  const out = new Float32Array(n * px * 3);
  const src = set.images.subarray(from * px * 3, (from + n) * px * 3);
  for (let i = 0; i < out.length; i++) out[i] = (src[i] / 255 - DEMO_NORM.mean) / DEMO_NORM.std;
  return tf.tensor4d(out, [n, set.height, set.width, 3]);
}

/** The set as evaluation samples, one normalised image at a time. */
export function* evalSamples(set: MiniCitySet): Generator<EvalSample> {
  const px = set.width * set.height;
  for (let i = 0; i < set.count; i++) {
    yield { image: setImages(set, i, 1), label: set.labels.subarray(i * px, (i + 1) * px), id: `${set.domain}_${i}` };
  }
}
