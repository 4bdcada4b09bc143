// The Segmentor contract (docs/ARCHITECTURE.md) and its implementation over a planned model.
// NHWC throughout: x [N, H, W, 3] → features [N, h, w, C], logits [N, h, w, K] at the feature grid.
import * as tf from '@tensorflow/tfjs-core';
import { assertRank } from '../util/assert.js';
import { PlcaError } from '../util/errors.js';
import { materialize, type ForwardCtx, type ModelPlan } from './module.js';
import type { ConvWork } from './conv_work.js';
import { resolveRecompute, type RecomputeSetting } from './recompute.js';

export interface ApplyOptions {
  /** BN uses batch statistics (true) or running statistics (false) */
  training: boolean;
  /** in training, update BN running statistics (momentum 0.1, unbiased variance). @default training */
  updateStats?: boolean;
  /**
   * Recomputation (gradient checkpointing) of the backbone's residual blocks while a gradient is
   * recorded: less memory for one more forward pass per block (src/models/recompute.ts).
   * `auto` picks from N·H·W. @default 'off'
   */
  recompute?: RecomputeSetting;
}

export interface SegmentorOutput {
  /** backbone output (layer4 for DeepLab-V2), [N, h, w, featureChannels] */ features: tf.Tensor4D;
  /** class scores at the feature grid, [N, h, w, numClasses] */ logits: tf.Tensor4D;
}

export interface Segmentor {
  name: string;
  numClasses: number;
  featureChannels: number;
  outputStride: number;
  /** trainable variables, stable dotted names (checkpoints, export) */
  params: Map<string, tf.Variable>;
  /** non-trainable variables (BN running statistics) */
  state: Map<string, tf.Variable>;
  /** our name → the reference's PyTorch state_dict name, for params and state */
  torchNames: Map<string, string>;
  apply(x: tf.Tensor4D, opts: ApplyOptions): SegmentorOutput;
  /** The classifier head alone: features [N, h, w, C] → logits [N, h, w, K]. The head has no
   *  normalisation layer in any model here, so it has no training mode. Used by the test-time
   *  aggregation (reference tools/test.py calls `net.module.classifier(feats)`). */
  classify(features: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

/** What a model definition supplies to `PlannedSegmentor`. */
export interface SegmentorDef {
  name: string;
  numClasses: number;
  featureChannels: number;
  outputStride: number;
  plan: ModelPlan;
  backbone(ctx: ForwardCtx, x: tf.Tensor4D): tf.Tensor4D;
  head(ctx: ForwardCtx, features: tf.Tensor4D): tf.Tensor4D;
  /** The forward pass's convolutions at an `h`×`w` input, per image (benchmarks' FLOP count). */
  convs(h: number, w: number): ConvWork[];
}

export class PlannedSegmentor implements Segmentor {
  readonly name: string;
  readonly numClasses: number;
  readonly featureChannels: number;
  readonly outputStride: number;
  readonly params: Map<string, tf.Variable>;
  readonly state: Map<string, tf.Variable>;
  readonly torchNames: Map<string, string>;
  private disposed = false;

  constructor(private readonly def: SegmentorDef, seed: number) {
    this.name = def.name;
    this.numClasses = def.numClasses;
    this.featureChannels = def.featureChannels;
    this.outputStride = def.outputStride;
    ({ params: this.params, state: this.state } = materialize(def.plan, seed));
    this.torchNames = new Map(def.plan.decls.map((d) => [d.name, d.torchName]));
  }

  private ctx(training: boolean, updateStats: boolean): ForwardCtx {
    if (this.disposed) throw new PlcaError('PLCA_INVALID_ARGUMENT', `model "${this.name}" was disposed`);
    return { params: this.params, state: this.state, training, updateStats: training && updateStats };
  }

  apply(x: tf.Tensor4D, opts: ApplyOptions): SegmentorOutput {
    assertRank(x, 4, `${this.name}.apply`, 'x', '[N, H, W, 3]');
    if (x.shape[3] !== 3) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in ${this.name}.apply: x must have 3 channels (NHWC), got [${x.shape.join(', ')}]`);
    }
    const ctx = this.ctx(opts.training, opts.updateStats ?? opts.training);
    ctx.recompute = resolveRecompute(opts.recompute ?? 'off', x.shape[0] * x.shape[1] * x.shape[2]);
    const features = this.def.backbone(ctx, x);
    const logits = this.def.head(ctx, features);
    return { features, logits };
  }

  classify(features: tf.Tensor4D): tf.Tensor4D {
    assertRank(features, 4, `${this.name}.classify`, 'features', '[N, h, w, C]');
    if (features.shape[3] !== this.featureChannels) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT',
        `Error in ${this.name}.classify: features must have ${this.featureChannels} channels, got [${features.shape.join(', ')}]`);
    }
    return this.def.head(this.ctx(false, false), features);
  }

  dispose(): void {
    if (this.disposed) return;
    for (const v of this.params.values()) v.dispose();
    for (const v of this.state.values()) v.dispose();
    this.disposed = true;
  }
}
