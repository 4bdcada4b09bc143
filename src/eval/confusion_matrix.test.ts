import { describe, expect, it } from 'vitest';
import { isPlcaError } from '../util/errors.js';
import { ConfusionMatrix, confusionMatrix } from './confusion_matrix.js';

// Pairs (label, pred): (0,0) (0,1) (1,1) (1,1) (2,0) (255,2: ignored) (2,2) (0,2)
// → rows (truth) [1 1 1], [0 2 0], [1 0 1]; row sums 3 2 2, column sums 2 3 2, diagonal 1 2 1.
const LABELS = [0, 0, 1, 1, 2, 255, 2, 0];
const PREDS = [0, 1, 1, 1, 0, 2, 2, 2];

describe('confusion matrix', () => {
  it('counts (truth, prediction) pairs and ignores labels ≥ K', () => {
    const cm = confusionMatrix(LABELS, PREDS, 3);
    expect(cm.toRows()).toEqual([[1, 1, 1], [0, 2, 0], [1, 0, 1]]);
    expect(cm.total()).toBe(7);
  });

  it('accumulates across updates and merges', () => {
    const a = new ConfusionMatrix(3).update(LABELS.slice(0, 4), PREDS.slice(0, 4)).update(LABELS.slice(4), PREDS.slice(4));
    const b = confusionMatrix(LABELS, PREDS, 3);
    expect(a.toRows()).toEqual(b.toRows());
    expect(a.merge(b).get(1, 1)).toBe(4);
    expect(ConfusionMatrix.fromRows(b.toRows()).toRows()).toEqual(b.toRows());
  });

  it('rejects predictions outside the classes and mismatched lengths', () => {
    const msg = (f: () => unknown) => { try { f(); } catch (e) { return isPlcaError(e) ? `${e.code}: ${e.message}` : String(e); } return 'none'; };
    expect(msg(() => confusionMatrix([0, 1], [0, 3], 3))).toBe('PLCA_INVALID_ARGUMENT: ConfusionMatrix.update: prediction 3 at pixel 1 is not a class in 0..2');
    expect(msg(() => confusionMatrix([0, 1], [0], 3))).toMatch(/PLCA_SIZE_MISMATCH: .*2 labels but 1 predictions/);
  });
});
