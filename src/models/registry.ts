// The typed registry of segmentation networks: `createModel(name, …)` and `modelInfo(name, …)`.
import { PlcaError } from '../util/errors.js';
import { applyAspp, asppConvs, DEEPLABV2_RATES, planAspp } from './heads/deeplabv2_aspp.js';
import { applyResNet, planResNet, RESNET101, resnetConvs, resnetGrid, type ResNetArch } from './backbones/resnet.js';
import { applyMiniCityBackbone, applyMiniCityHead, miniCityConvs, miniCityGrid, planMiniCity } from './minicity_net.js';
import type { ConvWork } from './conv_work.js';
import { ModelPlan, type NormKind } from './module.js';
import { PlannedSegmentor, type Segmentor, type SegmentorDef } from './segmentor.js';

export interface CreateModelOptions {
  /** output classes (19 GTAV→Cityscapes, 16 SYNTHIA→Cityscapes) */ numClasses: number;
  /** weight-initialisation seed */ seed: number;
  /** normalisation; fixed by the name for `minicity_*`. @default the model's (BN) */ norm?: NormKind;
}

interface ModelEntry {
  description: string;
  defaultNorm: NormKind;
  /** set when the name fixes the norm */ fixedNorm?: NormKind;
  /** builds the plan and forward functions; no tensors */ define(numClasses: number, norm: NormKind): SegmentorDef;
  /** analytic feature grid along one axis */ grid(size: number, def: SegmentorDef): number;
}

type ResNetSegDef = SegmentorDef & Parameters<typeof resnetGrid>[1];

/** ResNet backbone + DeepLab-V2 ASPP head: features = layer4, logits = sum of the atrous branches. */
export function defineResNetAspp(name: string, arch: ResNetArch, rates: readonly number[], numClasses: number): ResNetSegDef {
  const plan = new ModelPlan();
  const backbone = planResNet(plan, 'backbone', arch);
  const head = planAspp(plan, 'classifier', backbone.outChannels, numClasses, rates);
  return {
    name, numClasses, featureChannels: backbone.outChannels, outputStride: backbone.outputStride, plan,
    layers: backbone.layers,
    backbone: (ctx, x) => applyResNet(ctx, backbone, x),
    head: (ctx, f) => applyAspp(ctx, head, f),
    convs: (h, w) => {
      const b = resnetConvs(backbone, h, w);
      return [...b.convs, ...asppConvs(head, ...b.grid)];
    },
  };
}

/** Narrow ResNet for CPU training: same code path as ResNet-101 (7×7/2 stem, ceil max-pool,
 *  stride in the 1×1 conv, layer3/4 dilated 2/4, output stride 8), one block per layer, widths
 *  8/16/32/64 (256 feature channels), ASPP rates scaled to a small grid. */
export const RESNET_TINY: Omit<ResNetArch, 'norm' | 'groups'> = {
  stemChannels: 16, planes: [8, 16, 32, 64], blocks: [1, 1, 1, 1], dilate: [false, true, true],
};
/** Rates for the tiny net: the reference's 6…24 on a 92-cell grid span 7–26 % of it; on the
 *  9×17 grid of a 64×128 input 1…4 spans a similar fraction. */
export const RESNET_TINY_RATES = [1, 2, 3, 4] as const;

export const MODELS = {
  'deeplabv2_resnet101': {
    description: 'DeepLab-V2, ResNet-101 backbone (output stride 8), ASPP rates 6/12/18/24 — the paper\'s model',
    defaultNorm: 'bn',
    define: (k, norm) => defineResNetAspp('deeplabv2_resnet101', { ...RESNET101, norm, groups: 32 }, DEEPLABV2_RATES, k),
    grid: (s, def) => resnetGrid(s, { layers: (def as ResNetSegDef).layers }),
  },
  'resnet_tiny_aspp': {
    description: 'narrow ResNet (1 bottleneck per layer, widths 8–64, output stride 8) with a DeepLab-V2 ASPP head; trains on a CPU',
    defaultNorm: 'bn',
    define: (k, norm) => defineResNetAspp('resnet_tiny_aspp', { ...RESNET_TINY, norm, groups: 8 }, RESNET_TINY_RATES, k),
    grid: (s, def) => resnetGrid(s, { layers: (def as ResNetSegDef).layers }),
  },
  'minicity_gn': {
    description: 'MiniCity prototype net: six 3×3 conv-GroupNorm(8)-ReLU layers, output stride 4, 1×1 classifier',
    defaultNorm: 'gn', fixedNorm: 'gn',
    define: (k, norm) => miniCity('minicity_gn', k, norm),
    grid: (s) => miniCityGrid(s),
  },
  'minicity_bn': {
    description: 'MiniCity prototype net with BatchNorm (shared, trainable, as the reference)',
    defaultNorm: 'bn', fixedNorm: 'bn',
    define: (k, norm) => miniCity('minicity_bn', k, norm),
    grid: (s) => miniCityGrid(s),
  },
} as const satisfies Record<string, ModelEntry>;

export type ModelName = keyof typeof MODELS;
export const MODEL_NAMES = Object.keys(MODELS) as ModelName[];

function miniCity(name: string, numClasses: number, norm: NormKind): SegmentorDef {
  const plan = new ModelPlan();
  const spec = planMiniCity(plan, numClasses, norm);
  return {
    name, numClasses, featureChannels: spec.featureChannels, outputStride: 4, plan,
    backbone: (ctx, x) => applyMiniCityBackbone(ctx, spec, x),
    head: (ctx, f) => applyMiniCityHead(ctx, spec, f),
    convs: (h, w) => miniCityConvs(spec, h, w),
  };
}

export function isModelName(name: string): name is ModelName {
  return Object.prototype.hasOwnProperty.call(MODELS, name);
}

/** The registry name for `name`; hyphens are accepted for underscores ('minicity-gn'). Throws
 *  PLCA_INVALID_ARGUMENT listing the known names. */
export function canonicalModelName(name: string): ModelName {
  const n = name.replace(/-/g, '_');
  if (!isModelName(n)) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `unknown model "${name}"; known models: ${MODEL_NAMES.join(', ')}`, {
      hint: 'use one of those names (model.name in a config, --model on the command line); plca model list describes them',
    });
  }
  return n;
}

function entry(name: string): ModelEntry {
  return MODELS[canonicalModelName(name)];
}

function define(name: string, numClasses: number, norm: NormKind | undefined): { e: ModelEntry; def: SegmentorDef } {
  const e = entry(name);
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 254) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `model "${name}": numClasses must be an integer in 1..254 (255 is the ignore label), got ${numClasses}`);
  }
  if (norm !== undefined && e.fixedNorm !== undefined && norm !== e.fixedNorm) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `model "${name}" fixes norm "${e.fixedNorm}", got norm "${norm}"`, {
      hint: `use ${canonicalModelName(name).replace(/_(gn|bn)$/, `_${norm}`)}`,
    });
  }
  return { e, def: e.define(numClasses, norm ?? e.defaultNorm) };
}

/** Builds a named segmentor with seeded weights (see module.ts for the init of each layer). */
export function createModel(name: ModelName | string, opts: CreateModelOptions): Segmentor {
  if (!Number.isFinite(opts.seed)) throw new PlcaError('PLCA_INVALID_ARGUMENT', `model "${name}": seed must be a finite number, got ${opts.seed}`);
  const { def } = define(name, opts.numClasses, opts.norm);
  return new PlannedSegmentor(def, opts.seed);
}

/** The convolutions of one forward pass at `inputSize`, per image, from the plan (no tensors). */
export function modelConvs(name: ModelName | string, opts: { numClasses: number; inputSize: number | [number, number]; norm?: NormKind }): ConvWork[] {
  const { def } = define(name, opts.numClasses, opts.norm);
  const [h, w] = typeof opts.inputSize === 'number' ? [opts.inputSize, opts.inputSize] : opts.inputSize;
  return def.convs(h, w);
}

export interface ModelInfo {
  name: string;
  /** trainable parameters, as PyTorch counts them (BN affine included, running stats not) */ params: number;
  featureChannels: number;
  /** layer4 / feature grid [h, w] for the given input */ featureGrid: [number, number];
  outputStride: number;
}

/** Size facts of a model, computed from its plan without allocating any tensor. */
export function modelInfo(name: ModelName | string, opts: { numClasses: number; inputSize: number | [number, number]; norm?: NormKind }): ModelInfo {
  const { e, def } = define(name, opts.numClasses, opts.norm);
  const [h, w] = typeof opts.inputSize === 'number' ? [opts.inputSize, opts.inputSize] : opts.inputSize;
  for (const s of [h, w]) {
    if (!Number.isInteger(s) || s < 1) throw new PlcaError('PLCA_INVALID_ARGUMENT', `model "${name}": input size must be a positive integer, got ${s}`);
  }
  const grid: [number, number] = [e.grid(h, def), e.grid(w, def)];
  if (grid[0] < 1 || grid[1] < 1) throw new PlcaError('PLCA_INVALID_ARGUMENT', `model "${name}": input ${h}×${w} is too small`);
  return { name: def.name, params: def.plan.paramCount(), featureChannels: def.featureChannels, featureGrid: grid, outputStride: def.outputStride };
}
