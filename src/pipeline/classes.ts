/**
 * The class space of a segmentation head. Datasets (src/data) and MiniCity hand out Cityscapes
 * train ids (0–18, 255 = ignore), but a head's output channel i is not always train id i: the
 * SYNTHIA 16-class head lists SYNTHIA16_TRAIN_IDS, the 13-class one SYNTHIA13_TRAIN_IDS, and
 * MiniCity's 9-class nets MINICITY_TRAIN_IDS (metrics.ts `defaultClassNames` and the demo use the
 * same orders). Labels go train ids → head indices on the way in (training, evaluation) and
 * predictions head indices → train ids on the way out (`plca predict` draws train ids).
 */
import { CLASS_NAMES, IGNORE_ID, SYNTHIA13_TRAIN_IDS, SYNTHIA16_TRAIN_IDS } from '../data/label_maps.js';
import { MINICITY_TRAIN_IDS } from '../minicity/classes.js';
import { PlcaError } from '../util/errors.js';

/** The head sizes plca knows a class set for, and which. */
const CLASS_SETS: Readonly<Record<number, { name: string; trainIds: readonly number[] }>> = {
  19: { name: 'Cityscapes 19 (GTAV→Cityscapes)', trainIds: CLASS_NAMES.map((_, i) => i) },
  16: { name: 'SYNTHIA 16', trainIds: SYNTHIA16_TRAIN_IDS },
  13: { name: 'SYNTHIA 13', trainIds: SYNTHIA13_TRAIN_IDS },
  9: { name: 'MiniCity 9', trainIds: MINICITY_TRAIN_IDS },
};

export interface HeadClasses {
  numClasses: number;
  /** Which class set, in words. */
  setName: string;
  /** Train id of each head index. */
  trainIds: readonly number[];
  /** Cityscapes spelling of each head index's class (what metrics and tables print). */
  names: string[];
  /** Whether head index i is train id i for every i (no remapping needed). */
  identity: boolean;
}

/**
 * The class set of a `numClasses`-way head.
 * @throws PLCA_CONFIG_INVALID for a head size without a known class set
 */
export function headClasses(numClasses: number): HeadClasses {
  const set = CLASS_SETS[numClasses];
  if (set === undefined) {
    throw new PlcaError('PLCA_CONFIG_INVALID',
      `model.numClasses ${numClasses} has no known class set: use 19 (Cityscapes train ids), 16 or 13 (SYNTHIA protocols) or 9 (MiniCity)`, {
        hint: 'map a folder dataset onto Cityscapes train ids with data.*.idMap and train a 19-class head',
      });
  }
  return {
    numClasses, setName: set.name, trainIds: set.trainIds, names: set.trainIds.map((t) => CLASS_NAMES[t]),
    identity: set.trainIds.every((t, i) => t === i),
  };
}

/**
 * Lookup table train id → head index over 0..255: train ids outside the head, and 255, become
 * `ignoreIndex`, so a class the head does not predict is ignored rather than mislabelled.
 */
export function trainIdToHeadLut(classes: HeadClasses, ignoreIndex = IGNORE_ID): Int32Array {
  const lut = new Int32Array(256).fill(ignoreIndex);
  classes.trainIds.forEach((t, i) => { lut[t] = i; });
  return lut;
}

/** Maps train-id labels to head indices (ignored pixels → 255, what the confusion matrix skips). */
export function labelsToHead(labels: ArrayLike<number>, classes: HeadClasses): Uint8Array {
  const lut = trainIdToHeadLut(classes, IGNORE_ID);
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = lut[labels[i] & 0xff];
  return out;
}

/** Maps head indices (a prediction) to train ids; indices outside the head become 255. */
export function headToTrainIds(pred: ArrayLike<number>, classes: HeadClasses): Uint8Array {
  const out = new Uint8Array(pred.length);
  const ids = classes.trainIds;
  for (let i = 0; i < pred.length; i++) out[i] = pred[i] >= 0 && pred[i] < ids.length ? ids[pred[i]] : IGNORE_ID;
  return out;
}
