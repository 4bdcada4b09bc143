// The PLCA objective (Eq. 14), composed as the reference's `Solver.association`: CE and Lovász on
// source logits upsampled to the label size; feature (fass) and prediction (cass) associations and
// LSR on the feature grid. Every ablation of Table 1, the source-only baselines (CE, CE + Lovász)
// included, is this function with some terms off: Eq. 14 is assembled here and nowhere else. NHWC.
import * as tf from '@tensorflow/tfjs-core';
import { resizeBilinear, resizeNearestLabels } from '../engine/ops.js';
import { assertRank, assertSameShape } from '../util/assert.js';
import { check } from '../util/errors.js';
import { associationLoss, type AssociationOptions } from './association.js';
import type { AssociationDiagnostics } from './diagnostics.js';
import { segCrossEntropy } from './cross_entropy.js';
import { lovaszSoftmax } from './lovasz_softmax.js';
import { lsrLoss } from './lsr.js';
import type { BlockRows } from './spatial_aggregation.js';

/** The forward passes the objective reads; the target side only when a target term is on. */
export interface PlcaInputs {
  logitsS: tf.Tensor4D; // [N, h, w, K] stride-8 logits, source
  labelS: tf.Tensor3D; // int32 [N, H, W] at full (crop) size, 255 = ignore
  featS?: tf.Tensor4D; // [N, h, w, C] backbone features (layer4), source: feature association
  featT?: tf.Tensor4D; // [N, h', w', C] target: feature association
  logitsT?: tf.Tensor4D; // [N, h', w', K] target: prediction association, LSR
  labelT?: tf.Tensor3D; // int32 [N, H', W'] full size; diagnostics only, never in a loss
}

export interface PlcaObjectiveOptions {
  /** CE weight (1 in the paper), β1 (Lovász), β2 (each association), β3 (each LSR), Eq. 14. @default {ce: 1, lovasz: 0.75, association: 0.1, lsr: 0.01} */
  weights?: { ce?: number; lovasz?: number; association?: number; lsr?: number };
  /** spatial aggregation share α (Eq. 7). @default 0.5 */
  alpha?: number;
  /** LSR λ (Eq. 13). @default 10 */
  lsrLambda?: number;
  /** @default 255 */
  ignoreIndex?: number;
  /**
   * The reference's USE_DOWNSAMPLING: before the associations, features and logits are resized
   * bilinearly to floor(h·s) × floor(w·s) and labels nearest-downsampled to that grid; LSR stays on
   * the original logits. 1 = off. (The reference maps coordinates by 1/s; with h·s integral this
   * equals the size-based half-pixel resize used here.) @default 1
   */
  downsample?: number;
  /** Ablations of paper Table 1; all on = PLCA. */
  useLovasz?: boolean;
  useFeatureAssociation?: boolean;
  usePredictionAssociation?: boolean;
  useLsr?: boolean;
  /** target-side spatial aggregation in both associations ("PLCA w/o. SAGG" when false). @default true */
  spatialAggregation?: boolean;
  /** 'similarity' = Sim-PLCA (see sim_plca.ts). @default 'contrastive' */
  associationMode?: AssociationOptions['mode'];
  /** memory path of the association matrices. @default 'auto' */
  blockRows?: BlockRows;
}

export interface PlcaObjective {
  total: tf.Scalar;
  /** ce, lovasz, fass, cass, lsrS, lsrT (the enabled ones), unweighted */
  terms: Record<string, tf.Scalar>;
  diagnostics: { fass?: AssociationDiagnostics; cass?: AssociationDiagnostics };
}

type Needed = { fass: boolean; target: boolean };

/** The inputs the enabled terms need, checked; returned with the target side made non-optional where needed. */
function checkInputs(x: PlcaInputs, need: Needed): void {
  const op = 'plcaObjective';
  assertRank(x.logitsS, 4, op, 'logitsS', '[N,h,w,K]');
  assertRank(x.labelS, 3, op, 'labelS', '[N,H,W]');
  check(x.labelS.shape[0] === x.logitsS.shape[0], op, `labelS batch ${x.labelS.shape[0]} differs from logitsS batch ${x.logitsS.shape[0]}`);
  if (need.fass) {
    check(x.featS !== undefined && x.featT !== undefined, op, 'feature association needs featS and featT');
    assertRank(x.featS!, 4, op, 'featS', '[N,h,w,C]');
    assertRank(x.featT!, 4, op, 'featT', '[N,h,w,C]');
    assertSameShape(x.featS!, x.logitsS, op, ['featS', 'logitsS'], [0, 1, 2]);
  }
  if (need.target) {
    check(x.logitsT !== undefined, op, 'prediction association and LSR need logitsT');
    assertRank(x.logitsT!, 4, op, 'logitsT', '[N,h,w,K]');
    assertSameShape(x.logitsS, x.logitsT!, op, ['logitsS', 'logitsT'], [3]);
    if (need.fass) assertSameShape(x.featT!, x.logitsT!, op, ['featT', 'logitsT'], [0, 1, 2]);
  }
}

/** Bilinear resize by a scale factor (USE_DOWNSAMPLING); identity when s = 1. */
function scaled(x: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return x;
  return resizeBilinear(x, [Math.floor(x.shape[1] * s), Math.floor(x.shape[2] * s)]);
}

/**
 * L = w_ce L_ce + β1 L_lov + β2 (L_fass + L_cass) + β3 (L_lsr^s + L_lsr^t), as the reference
 * composes it (w_ce = 1 in the paper). With every target term off it is the source-only
 * baseline, L_ce (+ β1 L_lov), which needs only the source logits and labels.
 * Tensors in `terms` and `total` belong to the caller.
 * @see Eq. (14)
 */
export function plcaObjective(x: PlcaInputs, opts: PlcaObjectiveOptions = {}): PlcaObjective {
  const on = {
    fass: opts.useFeatureAssociation ?? true, cass: opts.usePredictionAssociation ?? true, lsr: opts.useLsr ?? true,
  };
  checkInputs(x, { fass: on.fass, target: on.cass || on.lsr });
  const s = opts.downsample ?? 1;
  check(s > 0 && s <= 1, 'plcaObjective', `downsample must lie in (0, 1], got ${s}`);
  const ignoreIndex = opts.ignoreIndex ?? 255;
  const w = { ce: 1, lovasz: 0.75, association: 0.1, lsr: 0.01, ...opts.weights };
  const terms: Record<string, tf.Scalar> = {};
  const diagnostics: PlcaObjective['diagnostics'] = {};
  const [, hl, wl] = x.labelS.shape;
  tf.tidy(() => {
    // Source supervision at the label size: logits upsampled bilinearly, half-pixel (align_corners=False).
    const up = resizeBilinear(x.logitsS, [hl, wl]);
    terms.ce = tf.keep(segCrossEntropy(up, x.labelS, { ignoreIndex }));
    if (opts.useLovasz ?? true) terms.lovasz = tf.keep(lovaszSoftmax(tf.softmax(up) as tf.Tensor4D, x.labelS, { ignoreIndex }));
    if (!on.fass && !on.cass && !on.lsr) return; // the source-only baselines
    // The association grid: the (scaled) feature grid, which the logits share.
    const gridOf = (t: tf.Tensor4D): [number, number] => [Math.floor(t.shape[1] * s), Math.floor(t.shape[2] * s)];
    const gridS = gridOf(x.logitsS);
    const labelSmall = resizeNearestLabels(x.labelS, gridS);
    const labelTSmall = x.labelT && x.logitsT ? resizeNearestLabels(x.labelT, gridOf(x.logitsT)) : undefined;
    const assoc: Omit<AssociationOptions, 'metric'> = {
      spagg: opts.spatialAggregation ?? true, alpha: opts.alpha ?? 0.5, ignoreIndex,
      mode: opts.associationMode ?? 'contrastive', blockRows: opts.blockRows,
    };
    if (on.fass) {
      const r = associationLoss(scaled(x.featS!, s), scaled(x.featT!, s), labelSmall, { ...assoc, metric: 'cos' }, labelTSmall);
      terms.fass = tf.keep(r.loss);
      diagnostics.fass = r.diagnostics;
    }
    if (on.cass) {
      const probsS = tf.softmax(scaled(x.logitsS, s)) as tf.Tensor4D;
      const probsT = tf.softmax(scaled(x.logitsT!, s)) as tf.Tensor4D;
      const r = associationLoss(probsS, probsT, labelSmall, { ...assoc, metric: 'kl' }, labelTSmall);
      terms.cass = tf.keep(r.loss);
      diagnostics.cass = r.diagnostics;
    }
    if (on.lsr) {
      terms.lsrS = tf.keep(lsrLoss(x.logitsS, { lambda: opts.lsrLambda ?? 10 }));
      terms.lsrT = tf.keep(lsrLoss(x.logitsT!, { lambda: opts.lsrLambda ?? 10 }));
    }
  });
  const total = tf.tidy(() => {
    let t: tf.Tensor = w.ce === 1 ? terms.ce : tf.mul(terms.ce, w.ce);
    if (terms.lovasz) t = tf.add(t, tf.mul(terms.lovasz, w.lovasz));
    const asso = [terms.fass, terms.cass].filter((v) => v !== undefined);
    for (const a of asso) t = tf.add(t, tf.mul(a, w.association));
    for (const l of [terms.lsrS, terms.lsrT]) if (l) t = tf.add(t, tf.mul(l, w.lsr));
    return t as tf.Scalar;
  });
  return { total, terms, diagnostics };
}
