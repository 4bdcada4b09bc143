/**
 * The method config → the losses module's options (src/losses is config-free by design), and
 * its results → the method's flat records. Eq. (14) itself is assembled in src/losses/objective.ts.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ResolvedConfig } from '../config/index.js';
import { plcaObjective, type PlcaInputs } from '../losses/index.js';

export type MethodConfig = ResolvedConfig['method'];

export interface MethodForward {
  /** Weighted total, Eq. (14) restricted to the mode's terms. */
  total: tf.Scalar;
  /** Unweighted terms by name (ce, lovasz, fass, cass, lsrS, lsrT, ...). */
  terms: Record<string, tf.Scalar>;
  /** Association diagnostics as plain numbers (cover, positive, correct ratios). */
  diagnostics: Record<string, number>;
}

/**
 * Eq. (14) with the mode's switches (the source-only modes included). β1 is passed in because it
 * may be scaled for gradient accumulation (`method.lovaszAccumScaling`); β2 is multiplied by
 * `associationFactor` (the trainer's warm-up, ramp and collapse guard).
 */
export function objectiveTerms(x: PlcaInputs, cfg: MethodConfig, lovaszWeight: number, associationFactor = 1): MethodForward {
  const s = cfg.switches;
  // A factor of 0 (the warm-up, or a guard that gave up) skips the cycles instead of weighting them by 0.
  const associate = associationFactor > 0;
  const out = plcaObjective(x, {
    weights: { ce: cfg.weights.ce, lovasz: lovaszWeight, association: cfg.weights.association * associationFactor, lsr: cfg.weights.lsr },
    alpha: cfg.spatialAggAlpha,
    lsrLambda: cfg.lsrLambda,
    ignoreIndex: cfg.ignoreIndex,
    downsample: cfg.associationScale,
    useLovasz: s.lovasz,
    useFeatureAssociation: s.fass && associate,
    usePredictionAssociation: s.cass && associate,
    useLsr: s.lsr,
    spatialAggregation: s.spatialAgg,
    associationMode: s.simAssociation ? 'similarity' : 'contrastive',
  });
  return { total: out.total, terms: out.terms, diagnostics: flattenDiagnostics(out.diagnostics) };
}

/** `{fass: {coverRatio: …}}` → `{'fass.coverRatio': …}`, leaving out undefined figures. */
export function flattenDiagnostics(d: Record<string, object | undefined>): Record<string, number> {
  const flat: Record<string, number> = {};
  for (const [level, figures] of Object.entries(d)) {
    if (figures === undefined) continue;
    for (const [k, v] of Object.entries(figures)) if (typeof v === 'number') flat[`${level}.${k}`] = v;
  }
  return flat;
}
