/**
 * Collapse detection without target labels (docs/minicity.md, "Collapse"): the feature cover
 * ratio (distinct target pixels reached by the cycles, over target pixels) falling below ~0.1
 * means all source pixels associate to a handful of target pixels; predictions that use only
 * one or two classes on the target images mean the segmentation itself has collapsed.
 */

/** One training update as the demo records it: total loss, the terms and the diagnostics. */
export interface CurvePoint {
  step: number;
  loss: number;
  terms: Record<string, number>;
  diagnostics: Record<string, number>;
}

export interface CollapseReport {
  collapsed: boolean;
  /** human-readable reasons, empty when healthy */
  reasons: string[];
  /** smallest 10-step running mean of the feature cover ratio (null without association) */
  minCoverRatio: number | null;
  /** feature cover ratio over the first 10 steps (the random-feature level) */
  initialCoverRatio: number | null;
  /** classes given at least `minShare` of the target pixels */
  classesPredicted: number;
}

export interface CollapseThresholds {
  /** @default 0.1 */
  coverRatio?: number;
  /** a class "is used" above this share of predicted target pixels. @default 0.005 */
  minShare?: number;
  /** collapsed when at most this many classes are used. @default 2 */
  maxClasses?: number;
}

const COVER = 'fass.coverRatio';

function runningMin(xs: number[], w: number): number {
  let best = Infinity;
  for (let i = 0; i + w <= xs.length; i++) {
    let s = 0;
    for (let j = i; j < i + w; j++) s += xs[j];
    best = Math.min(best, s / w);
  }
  return best === Infinity ? xs.reduce((a, b) => Math.min(a, b), Infinity) : best;
}

/** Checks a run's diagnostics curve and its predicted-class shares on target images. */
export function detectCollapse(curve: CurvePoint[], predictedShares: number[], t: CollapseThresholds = {}): CollapseReport {
  const coverMin = t.coverRatio ?? 0.1;
  const minShare = t.minShare ?? 0.005;
  const maxClasses = t.maxClasses ?? 2;
  const cover = curve.map((p) => p.diagnostics[COVER]).filter((v): v is number => typeof v === 'number');
  // A window smooths single-batch noise: the trainer's own warning fires on one step.
  const minCover = cover.length > 0 ? runningMin(cover, Math.min(10, cover.length)) : null;
  const initial = cover.length > 0 ? cover.slice(0, 10).reduce((a, b) => a + b, 0) / Math.min(10, cover.length) : null;
  const used = predictedShares.filter((s) => s >= minShare).length;
  const reasons: string[] = [];
  if (minCover !== null && minCover < coverMin) {
    reasons.push(`feature cover ratio fell to ${minCover.toFixed(3)} (< ${coverMin}; ${initial!.toFixed(2)} at the start): source pixels associate to a handful of target pixels`);
  }
  if (used <= maxClasses) {
    reasons.push(`target predictions use only ${used} class${used === 1 ? '' : 'es'} (≥ ${(100 * minShare).toFixed(1)} % of pixels each)`);
  }
  return { collapsed: reasons.length > 0, reasons, minCoverRatio: minCover, initialCoverRatio: initial, classesPredicted: used };
}
