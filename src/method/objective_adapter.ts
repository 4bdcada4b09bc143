/**
 * The method config → the losses module's options (src/losses is config-free by design), and
 * its results → the method's flat records.
 */
import * as tf from '@tensorflow/tfjs-core';
import { lovaszSoftmax, plcaObjective, type PlcaInputs } from '../losses/index.js';
import type { MethodConfig, MethodForward } from './plca_method.js';

/**
 * Eq. (14) with the mode's switches. β1 is passed in because it may be scaled for gradient
 * accumulation (reference §4.3); the CE weight, 1 in the paper, is applied here.
 */
export function objectiveTerms(x: PlcaInputs, cfg: MethodConfig, lovaszWeight: number): MethodForward {
  const s = cfg.switches;
  const out = plcaObjective(x, {
    weights: { lovasz: lovaszWeight, association: cfg.weights.association, lsr: cfg.weights.lsr },
    alpha: cfg.spatialAggAlpha,
    lsrLambda: cfg.lsrLambda,
    ignoreIndex: cfg.ignoreIndex,
    downsample: cfg.associationScale,
    useLovasz: s.lovasz,
    useFeatureAssociation: s.fass,
    usePredictionAssociation: s.cass,
    useLsr: s.lsr,
    spatialAggregation: s.spatialAgg,
    associationMode: s.simAssociation ? 'similarity' : 'contrastive',
  });
  let total = out.total;
  if (cfg.weights.ce !== 1) {
    total = tf.tidy(() => tf.add(out.total, tf.mul(out.terms.ce, cfg.weights.ce - 1)) as tf.Scalar);
    out.total.dispose();
  }
  return { total, terms: out.terms, diagnostics: flattenDiagnostics(out.diagnostics) };
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

/** Lovász-softmax (classes present, not per image) on the softmax of upsampled logits. */
export function lovaszTerm(logitsUp: tf.Tensor4D, labels: tf.Tensor3D, ignoreIndex: number): tf.Scalar {
  return tf.tidy(() => lovaszSoftmax(tf.softmax(logitsUp) as tf.Tensor4D, labels, { ignoreIndex }));
}
