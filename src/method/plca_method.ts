/**
 * The UDA method around any Segmentor (DAFormer's UDADecorator habit): it runs the forward
 * passes a mode needs, in the reference's order, and turns them into the objective's total,
 * its named terms and the association diagnostics. NHWC throughout.
 *
 * Order (reference solver.py `association`, docs/design/reference-implementation.md §4.3): the target batch is forwarded first,
 * then the source batch, each in training mode, so each gets its own BN batch statistics and
 * both update the running statistics. The source-only modes forward the source alone; the
 * "lovbn" control also forwards the target, in training mode, outside the gradient tape: it
 * only moves the BN running statistics (docs/design/minicity-prototype.md §2). The self-training
 * control (method.selfTraining) adds a target loss on the net's own predictions to a source-only mode.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../data/batch.js';
import type { Segmentor } from '../models/index.js';
// recompute.ts directly: the models index pulls in Node-only loaders, and the method runs in the browser too
import { resolveRecompute, type RecomputeMode, type RecomputeSetting } from '../models/recompute.js';
import type { ResolvedConfig } from '../config/schema.js';
import { methodNeedsTarget, usesObjective } from '../config/modes.js';
import { PlcaError } from '../util/errors.js';
import { objectiveTerms, type MethodConfig, type MethodForward } from './objective_adapter.js';
import { entropyLoss, pseudoLabelLoss } from '../losses/index.js';

export type { MethodConfig, MethodForward } from './objective_adapter.js';

export interface MethodBatches {
  /** Labelled source batch. */
  source: Batch;
  /** Unlabelled target batch; required when `needsTarget`. */
  target?: Batch;
}

export interface MethodGradients {
  /** Gradient of the total for each parameter that has one, by the model's parameter names. */
  grads: Map<string, tf.Tensor>;
  loss: number;
  terms: Record<string, number>;
  diagnostics: Record<string, number>;
}

export interface ForwardOptions {
  /** Poison this term with NaN (debug.injectNanAtStep), to exercise NaN detection. */
  injectNanTerm?: string;
}

export interface MethodOptions {
  /** recomputation of the backbone's blocks in the training forwards (`train.recompute`). @default 'off' */
  recompute?: RecomputeSetting;
}

export class PlcaMethod {
  /** Whether each update needs a target batch. */
  readonly needsTarget: boolean;
  private readonly lovaszWeight: number;
  private readonly recompute: RecomputeSetting;
  /**
   * Multiplies β2 (the association terms of Eq. (14)): the trainer's warm-up, ramp and collapse
   * guard set it before each update. At 0 the cycles are not computed at all (the warm-up is
   * cheaper), so the association diagnostics are absent from those updates.
   */
  associationFactor = 1;

  /**
   * @param model the segmentor to train
   * @param cfg the resolved `method` section
   * @param gradAccum micro-batches per update; scales β1 when `cfg.lovaszAccumScaling` (docs/design/reference-implementation.md §4.3)
   */
  constructor(readonly model: Segmentor, readonly cfg: MethodConfig, gradAccum = 1, opts: MethodOptions = {}) {
    this.needsTarget = methodNeedsTarget(cfg);
    this.recompute = opts.recompute ?? 'off';
    if (cfg.selfTraining.loss !== 'none' && usesObjective(cfg.switches)) {
      throw new PlcaError('PLCA_CONFIG_INVALID',
        `method.selfTraining is a control for the source-only modes; method.mode "${cfg.mode}" has target terms of its own`, {
          hint: 'use method.mode=source_only_lovasz (configs/minicity_self_training.ts), or method.selfTraining.loss=none',
        });
    }
    this.lovaszWeight = cfg.weights.lovasz * (cfg.lovaszAccumScaling ? gradAccum : 1);
  }

  /** Total, terms and diagnostics of one micro-batch; the caller tidies the tensors. */
  forward(b: MethodBatches, opts: ForwardOptions = {}): MethodForward {
    const out = this.objective(b);
    return opts.injectNanTerm === undefined ? out : poison(out, opts.injectNanTerm);
  }

  /** Forwards one micro-batch records on the tape (the target's too when the objective or self-training uses it). */
  get tapedForwards(): number {
    return usesObjective(this.cfg.switches) || this.cfg.selfTraining.loss !== 'none' ? 2 : 1;
  }

  /** The recomputation for a micro-batch whose taped forwards see `pixels` = Σ N·H·W (`auto` counts them all). */
  recomputeMode(pixels: number): RecomputeMode {
    return resolveRecompute(this.recompute, pixels);
  }

  /** The mode's forward passes and Eq. (14) on them. */
  private objective(b: MethodBatches): MethodForward {
    const labelS = this.sourceLabels(b.source);
    const s = this.cfg.switches;
    let out: MethodForward;
    if (usesObjective(s)) {
      const target = this.targetImages(b);
      const recompute = this.recomputeMode(pixels(target) + pixels(b.source.images));
      const tgt = this.model.apply(target, { training: true, updateStats: true, recompute }); // target first (as the reference)
      const src = this.model.apply(b.source.images, { training: true, updateStats: true, recompute });
      out = objectiveTerms({ featS: src.features, featT: tgt.features, logitsS: src.logits, logitsT: tgt.logits, labelS, labelT: b.target?.labels },
        this.cfg, this.lovaszWeight, this.associationFactor);
      out.diagnostics[TARGET_CLASSES] = classesUsed(tgt.logits);
    } else {
      // The source-only modes: L^ce (+ β1 L^lov) on the source batch alone, the same Eq. (14) with the target terms off.
      // With the self-training control, the target first (as above), then its loss on top.
      const target = this.cfg.selfTraining.loss === 'none' ? undefined : this.targetImages(b);
      const recompute = this.recomputeMode(pixels(b.source.images) + (target ? pixels(target) : 0));
      const tgt = target === undefined ? undefined : this.model.apply(target, { training: true, updateStats: true, recompute });
      const src = this.model.apply(b.source.images, { training: true, updateStats: true, recompute });
      out = objectiveTerms({ logitsS: src.logits, labelS }, this.cfg, this.lovaszWeight);
      if (tgt !== undefined) out = withSelfTraining(out, tgt.logits, this.cfg);
    }
    return out;
  }

  /**
   * Gradients of one micro-batch's total with respect to every model parameter. The target
   * BN-statistics pass of the "lovbn" control runs before, outside the tape.
   */
  computeGradients(b: MethodBatches, opts: ForwardOptions = {}): MethodGradients {
    if (this.cfg.switches.targetBnForward && !usesObjective(this.cfg.switches)) {
      const target = this.targetImages(b);
      tf.tidy(() => { this.model.apply(target, { training: true, updateStats: true, recompute: this.recompute }); });
    }
    const names = new Map<string, string>();
    for (const [name, v] of this.model.params) names.set(v.name, name);
    let termNames: string[] = [];
    let termTensors: tf.Tensor[] = [];
    let termValues: tf.Tensor | undefined;
    let diagnostics: Record<string, number> = {};
    const { value, grads } = tf.variableGrads(() => {
      const raw = this.objective(b);
      // The objective tf.keep()s its terms, which outlives the tape's tidy: disposed below (the
      // unpoisoned ones too, when a term is poisoned).
      termTensors = Object.values(raw.terms);
      const out = opts.injectNanTerm === undefined ? raw : poison(raw, opts.injectNanTerm);
      termNames = Object.keys(out.terms);
      termValues = tf.keep(tf.stack(termNames.map((n) => out.terms[n])));
      diagnostics = out.diagnostics;
      return out.total;
    }, [...this.model.params.values()]);
    const tv = termValues!.dataSync();
    const terms = Object.fromEntries(termNames.map((n, i) => [n, tv[i]]));
    const loss = value.dataSync()[0];
    tf.dispose([value, termValues!, ...termTensors]);
    const byName = new Map<string, tf.Tensor>();
    for (const [vn, g] of Object.entries(grads)) byName.set(names.get(vn)!, g);
    return { grads: byName, loss, terms, diagnostics };
  }

  private sourceLabels(source: Batch): tf.Tensor3D {
    if (source.labels === undefined) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', 'Error in PlcaMethod: the source batch has no labels');
    }
    return source.labels;
  }

  private targetImages(b: MethodBatches): tf.Tensor4D {
    if (b.target === undefined) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in PlcaMethod: mode "${this.cfg.mode}" needs a target batch`);
    }
    return b.target.images;
  }
}

/** Diagnostic: classes that the target batch's predictions use (a label-free collapse signal). */
export const TARGET_CLASSES = 'target.classesUsed';
/** A class counts as used from this share of the batch's pixels on (as src/demo/collapse.ts). */
const USED_SHARE = 0.005;

/** Classes predicted (argmax) on at least USED_SHARE of the pixels of a logits batch. */
function classesUsed(logits: tf.Tensor4D): number {
  const k = logits.shape[3];
  const counts = tf.tidy(() => tf.sum(tf.oneHot(tf.reshape(tf.argMax(logits, -1), [-1]) as tf.Tensor1D, k), 0)).dataSync();
  const n = logits.size / k;
  let used = 0;
  for (const c of counts) if (c >= USED_SHARE * n) used++;
  return used;
}

/** The total plus β·L^self (pseudo-labels or entropy) on the target logits; the term and its kept-pixel share recorded. */
function withSelfTraining(out: MethodForward, logitsT: tf.Tensor4D, cfg: MethodConfig): MethodForward {
  const st = cfg.selfTraining;
  const r = st.loss === 'pseudo_label' ? pseudoLabelLoss(logitsT, st.threshold, cfg.ignoreIndex) : entropyLoss(logitsT);
  const kept = r.keptRatio.dataSync()[0];
  r.keptRatio.dispose();
  const term = tf.keep(r.loss);
  const total = tf.add(out.total, tf.mul(term, st.weight)) as tf.Scalar;
  return { total, terms: { ...out.terms, selfTraining: term }, diagnostics: { ...out.diagnostics, 'selfTraining.keptRatio': kept } };
}

/** Adds NaN to one term and, through it, to the total. */
function poison(out: MethodForward, term: string): MethodForward {
  const t = out.terms[term];
  if (t === undefined) {
    throw new PlcaError('PLCA_CONFIG_INVALID',
      `debug.injectNanTerm "${term}" is not a term of this mode; terms: ${Object.keys(out.terms).join(', ')}`);
  }
  const bad = tf.add(t, NaN) as tf.Scalar;
  return { ...out, terms: { ...out.terms, [term]: bad }, total: tf.add(out.total, tf.sub(bad, t)) };
}

/** N·H·W of an image batch. */
function pixels(x: tf.Tensor4D): number {
  return x.shape[0] * x.shape[1] * x.shape[2];
}
