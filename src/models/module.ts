// A light module system on TF.js variables (NHWC activations, HWIO conv weights).
//
// A model is first *planned*: a flat list of parameter declarations (name, shape, init, the
// name PyTorch's state_dict gives it). The plan alone yields the parameter count (used by
// `modelInfo` without allocating ResNet-101's 176 MB), and `materialize` turns it into
// seeded tf.Variables. Forward code fetches variables by the same dotted names, through the
// layer specs that planning returned. We do not use tfjs-layers: its Conv2D cannot be
// differentiated when dilated, and the engine's ops (src/engine) carry the gradient fixes.
import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, conv2d, groupNorm } from '../engine/ops.js';
import { PlcaError } from '../util/errors.js';
import { boxMuller, mulberry32 } from '../util/rng.js';
import type { RecomputeMode } from './recompute.js';

/**
 * How a parameter is initialised (seeded, see `materialize`):
 * - `kaimingNormalFanOut`: N(0, 2 / (kh·kw·out)) — torchvision ResNet's
 *   `kaiming_normal_(mode='fan_out', nonlinearity='relu')`, which the reference's backbone keeps.
 * - `torchDefault`: U(±1/√fanIn) — what `nn.Conv2d` does by default for weight
 *   (`kaiming_uniform_(a=√5)` reduces to this bound) and bias; the reference's ASPP head keeps it.
 * - `const`: BN/GN affine (1 and 0) and running statistics.
 */
export type Init =
  | { kind: 'kaimingNormalFanOut'; fanOut: number }
  | { kind: 'torchDefault'; fanIn: number }
  | { kind: 'const'; value: number };

export interface ParamDecl {
  /** our stable dotted name */ name: string;
  /** the name in the reference's PyTorch state_dict */ torchName: string;
  /** our shape: [kh, kw, in, out] for conv weights (torch: [out, in, kh, kw]) */ shape: number[];
  init: Init;
  /** false for BN running statistics */ trainable: boolean;
}

export type NormKind = 'bn' | 'gn';

export interface ConvSpec {
  name: string; k: number; cin: number; cout: number;
  stride: number; dilation: number; pad: number; bias: boolean;
}

export interface NormSpec { name: string; kind: NormKind; channels: number; groups: number }

/** Declarations of a model's parameters and state, in creation (= initialisation) order. */
export class ModelPlan {
  readonly decls: ParamDecl[] = [];
  private readonly names = new Set<string>();

  add(decl: ParamDecl): void {
    if (this.names.has(decl.name)) throw new PlcaError('PLCA_INTERNAL', `duplicate parameter name "${decl.name}"`);
    this.names.add(decl.name);
    this.decls.push(decl);
  }

  /** A k×k convolution; `torchPrefix` is the module path in the PyTorch state_dict. */
  conv(
    name: string,
    o: { k: number; cin: number; cout: number; stride?: number; dilation?: number; pad?: number;
      bias?: boolean; init: 'kaimingNormalFanOut' | 'torchDefault'; torchPrefix?: string },
  ): ConvSpec {
    const tp = o.torchPrefix ?? name;
    const fanIn = o.cin * o.k * o.k;
    const init: Init = o.init === 'torchDefault'
      ? { kind: 'torchDefault', fanIn } : { kind: 'kaimingNormalFanOut', fanOut: o.cout * o.k * o.k };
    this.add({ name: `${name}.weight`, torchName: `${tp}.weight`, shape: [o.k, o.k, o.cin, o.cout], init, trainable: true });
    if (o.bias) {
      this.add({ name: `${name}.bias`, torchName: `${tp}.bias`, shape: [o.cout], init: { kind: 'torchDefault', fanIn }, trainable: true });
    }
    return {
      name, k: o.k, cin: o.cin, cout: o.cout, stride: o.stride ?? 1, dilation: o.dilation ?? 1,
      pad: o.pad ?? 0, bias: o.bias ?? false,
    };
  }

  /** BatchNorm (affine + running mean/var) or GroupNorm (affine only). */
  norm(name: string, channels: number, kind: NormKind, groups: number, torchPrefix?: string): NormSpec {
    const tp = torchPrefix ?? name;
    if (kind === 'gn' && channels % groups !== 0) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `GroupNorm "${name}": ${channels} channels not divisible by ${groups} groups`);
    }
    this.add({ name: `${name}.weight`, torchName: `${tp}.weight`, shape: [channels], init: { kind: 'const', value: 1 }, trainable: true });
    this.add({ name: `${name}.bias`, torchName: `${tp}.bias`, shape: [channels], init: { kind: 'const', value: 0 }, trainable: true });
    if (kind === 'bn') {
      this.add({ name: `${name}.running_mean`, torchName: `${tp}.running_mean`, shape: [channels], init: { kind: 'const', value: 0 }, trainable: false });
      this.add({ name: `${name}.running_var`, torchName: `${tp}.running_var`, shape: [channels], init: { kind: 'const', value: 1 }, trainable: false });
    }
    return { name, kind, channels, groups };
  }

  /** Number of trainable scalars (what PyTorch's `parameters()` counts: no running stats). */
  paramCount(): number {
    return this.decls.filter((d) => d.trainable).reduce((s, d) => s + d.shape.reduce((a, b) => a * b, 1), 0);
  }
}

/** One seeded stream of uniform and normal draws for a whole model (src/util/rng.ts). */
interface InitRng { uniform: () => number; normal: () => number }

function initRng(seed: number): InitRng {
  // Mix the seed once so that nearby seeds (0, 1, 2 …) give unrelated streams.
  const uniform = mulberry32(Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0);
  return { uniform, normal: boxMuller(uniform) };
}

/** Initial values of one declaration, drawn from `rng` in plan order. */
function initialValues(d: ParamDecl, rng: InitRng): Float32Array {
  const out = new Float32Array(d.shape.reduce((a, b) => a * b, 1));
  switch (d.init.kind) {
    case 'const': return out.fill(d.init.value);
    case 'torchDefault': {
      const bound = 1 / Math.sqrt(d.init.fanIn);
      for (let i = 0; i < out.length; i++) out[i] = (2 * rng.uniform() - 1) * bound;
      return out;
    }
    case 'kaimingNormalFanOut': {
      const std = Math.sqrt(2 / d.init.fanOut);
      for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
      return out;
    }
  }
}

/** Creates the plan's variables, seeded; trainable ones go to `params`, the rest to `state`. */
export function materialize(plan: ModelPlan, seed: number): {
  params: Map<string, tf.Variable>; state: Map<string, tf.Variable>;
} {
  const rng = initRng(seed);
  const params = new Map<string, tf.Variable>();
  const state = new Map<string, tf.Variable>();
  for (const d of plan.decls) {
    // Unnamed variables: TF.js names are process-global and two models may coexist.
    const v = tf.tidy(() => tf.variable(tf.tensor(initialValues(d, rng), d.shape), d.trainable));
    (d.trainable ? params : state).set(d.name, v);
  }
  return { params, state };
}

/** What a forward pass needs: the variables and the mode. */
export interface ForwardCtx {
  params: Map<string, tf.Variable>;
  state: Map<string, tf.Variable>;
  training: boolean;
  /** update BN running statistics (training only) */
  updateStats: boolean;
  /** checkpointing of the backbone's blocks while a gradient is recorded (src/models/recompute.ts). @default 'off' */
  recompute?: RecomputeMode;
}

function get(map: Map<string, tf.Variable>, name: string): tf.Variable {
  const v = map.get(name);
  if (!v) throw new PlcaError('PLCA_INTERNAL', `missing model variable "${name}"`);
  return v;
}

export function applyConv(ctx: ForwardCtx, s: ConvSpec, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const w = get(ctx.params, `${s.name}.weight`) as tf.Tensor4D;
    const y = conv2d(x, w, { stride: s.stride, dilation: s.dilation, pad: s.pad });
    return s.bias ? tf.add(y, get(ctx.params, `${s.name}.bias`)) : y;
  });
}

/** BN momentum as PyTorch: running ← (1 − m)·running + m·batch, with the unbiased batch variance. */
export const BN_MOMENTUM = 0.1;

/** Norm, then (with `relu`) ReLU — fused into batch norm (one pass fewer each way, one activation fewer kept). */
export function applyNorm(ctx: ForwardCtx, s: NormSpec, x: tf.Tensor4D, relu = false): tf.Tensor4D {
  const gamma = get(ctx.params, `${s.name}.weight`) as tf.Tensor1D;
  const beta = get(ctx.params, `${s.name}.bias`) as tf.Tensor1D;
  if (s.kind === 'gn') return relu ? tf.tidy(() => tf.relu(groupNorm(x, gamma, beta, s.groups))) : groupNorm(x, gamma, beta, s.groups);
  const mean = get(ctx.state, `${s.name}.running_mean`);
  const variance = get(ctx.state, `${s.name}.running_var`);
  const r = batchNorm(x, { gamma, beta, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, training: ctx.training, relu });
  if (r.batchMean && r.batchVarUnbiased) {
    if (ctx.updateStats) {
      const bm = r.batchMean;
      const bv = r.batchVarUnbiased;
      tf.tidy(() => {
        mean.assign(tf.add(tf.mul(mean, 1 - BN_MOMENTUM), tf.mul(bm, BN_MOMENTUM)));
        variance.assign(tf.add(tf.mul(variance, 1 - BN_MOMENTUM), tf.mul(bv, BN_MOMENTUM)));
      });
    }
    r.batchMean.dispose();
    r.batchVarUnbiased.dispose();
  }
  return r.y;
}

/** conv → norm → ReLU, the unit every network here is made of. */
export function convNormRelu(ctx: ForwardCtx, c: ConvSpec, n: NormSpec, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => applyNorm(ctx, n, applyConv(ctx, c, x), true));
}

/** Output size of a convolution / pooling window along one axis, PyTorch's formula (floor mode). */
export function convOut(size: number, k: number, stride: number, pad: number, dilation = 1): number {
  return Math.floor((size + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
}
