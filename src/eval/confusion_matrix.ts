// Confusion matrix accumulated over a dataset, rows = ground truth, columns = prediction.
// Ported from: kgl-prml/Pixel-Level-Cycle-Association utils/utils.py (ConfusionMatrix.update)
// Changes: plain JS typed arrays (no tensors); float64 counts stay exact to 2^53 pixels.
import { PlcaError } from '../util/errors.js';

export class ConfusionMatrix {
  /** counts[gt * K + pred] */
  readonly counts: Float64Array;

  constructor(readonly numClasses: number) {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `ConfusionMatrix: numClasses must be a positive integer, got ${numClasses}`);
    }
    this.counts = new Float64Array(numClasses * numClasses);
  }

  /**
   * Adds one image (or any set of pixels). Labels outside [0, K) — 255 in particular — are
   * ignored, as the reference (`k = (a >= 0) & (a < n)`); a prediction outside [0, K) is a bug
   * in the caller and throws.
   */
  update(labels: ArrayLike<number>, preds: ArrayLike<number>): this {
    if (labels.length !== preds.length) {
      throw new PlcaError('PLCA_SIZE_MISMATCH', `ConfusionMatrix.update: ${labels.length} labels but ${preds.length} predictions`);
    }
    const k = this.numClasses;
    const c = this.counts;
    for (let i = 0; i < labels.length; i++) {
      const g = labels[i];
      if (!(g >= 0 && g < k)) continue;
      const p = preds[i];
      if (!(p >= 0 && p < k) || !Number.isInteger(p)) {
        throw new PlcaError('PLCA_INVALID_ARGUMENT', `ConfusionMatrix.update: prediction ${p} at pixel ${i} is not a class in 0..${k - 1}`);
      }
      c[g * k + p] += 1;
    }
    return this;
  }

  /** Adds another matrix of the same size (e.g. from another worker). */
  merge(other: ConfusionMatrix): this {
    if (other.numClasses !== this.numClasses) {
      throw new PlcaError('PLCA_SIZE_MISMATCH', `ConfusionMatrix.merge: ${other.numClasses} classes into ${this.numClasses}`);
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    return this;
  }

  get(gt: number, pred: number): number {
    return this.counts[gt * this.numClasses + pred];
  }

  /** Counted (non-ignored) pixels. */
  total(): number {
    let s = 0;
    for (const v of this.counts) s += v;
    return s;
  }

  reset(): void {
    this.counts.fill(0);
  }

  /** Rows (ground truth) of counts, for JSON. */
  toRows(): number[][] {
    const k = this.numClasses;
    return Array.from({ length: k }, (_, g) => Array.from(this.counts.subarray(g * k, (g + 1) * k)));
  }

  static fromRows(rows: number[][]): ConfusionMatrix {
    const cm = new ConfusionMatrix(rows.length);
    rows.forEach((r, g) => {
      if (r.length !== rows.length) {
        throw new PlcaError('PLCA_INVALID_ARGUMENT', `ConfusionMatrix.fromRows: row ${g} has ${r.length} entries, expected ${rows.length}`);
      }
      cm.counts.set(r, g * rows.length);
    });
    return cm;
  }
}

/** A confusion matrix of one set of labels and predictions. */
export function confusionMatrix(labels: ArrayLike<number>, preds: ArrayLike<number>, numClasses: number): ConfusionMatrix {
  return new ConfusionMatrix(numClasses).update(labels, preds);
}
