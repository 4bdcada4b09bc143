// Monitoring figures of the cycle association (reference `ASSO_PRINT_INFO`); never part of a loss.
export interface AssociationDiagnostics {
  /** distinct target pixels reached as j*, over target pixels, averaged over the batch */
  coverRatio: number;
  /** positive cycles over non-ignored source pixels (0 when all are ignored) */
  positiveRatio: number;
  /** among positive cycles whose j* has a target label, the share whose target label equals the
   *  source label; undefined without target labels or without such cycles */
  correctRatio?: number;
}

export interface DiagnosticsInput {
  labelS: ArrayLike<number>; // [N·L1]
  labelT?: ArrayLike<number>; // [N·L2]
  midIndex: Int32Array; // [N·L1]
  positive: Float32Array; // [N·L1], 1 for positive cycles
  l1: number;
  l2: number;
  ignoreIndex: number;
}

/**
 * Cover, positive and target-correct ratios. The reference reports them for the first image of
 * the batch only; these cover the whole batch (the same figure for batch 1).
 */
export function associationDiagnostics(d: DiagnosticsInput): AssociationDiagnostics {
  const n = d.l1 > 0 ? d.midIndex.length / d.l1 : 0;
  let cover = 0;
  for (let b = 0; b < n; b++) {
    const seen = new Set<number>();
    for (let i = 0; i < d.l1; i++) seen.add(d.midIndex[b * d.l1 + i]);
    cover += seen.size / d.l2;
  }
  let valid = 0;
  let pos = 0;
  let checked = 0;
  let correct = 0;
  for (let k = 0; k < d.midIndex.length; k++) {
    if (d.labelS[k] !== d.ignoreIndex) valid++;
    if (d.positive[k] === 0) continue;
    pos++;
    if (!d.labelT) continue;
    const b = Math.floor(k / d.l1);
    const lt = d.labelT[b * d.l2 + d.midIndex[k]];
    if (lt === d.ignoreIndex) continue;
    checked++;
    if (lt === d.labelS[k]) correct++;
  }
  return {
    coverRatio: n > 0 ? cover / n : 0,
    positiveRatio: valid > 0 ? pos / valid : 0,
    correctRatio: d.labelT && checked > 0 ? correct / checked : undefined,
  };
}
