// The MiniCity prototype's network (docs/design/minicity-prototype.md §2), NHWC: six 3×3
// conv → norm → ReLU layers, output stride 4, then a 1×1 classifier with bias.
import * as tf from '@tensorflow/tfjs-core';
import {
  applyConv, convNormRelu, convOut, type ConvSpec, type ForwardCtx, type ModelPlan, type NormKind,
  type NormSpec,
} from './module.js';
import { pushConv, type ConvWork } from './conv_work.js';

/** [cin, cout, stride, dilation] per layer: 3→32 s2, 32→48, 48→64 s2, 64→96, 96→96 d2, 96→96 d4. */
export const MINICITY_LAYERS: ReadonlyArray<readonly [number, number, number, number]> = [
  [3, 32, 2, 1], [32, 48, 1, 1], [48, 64, 2, 1], [64, 96, 1, 1], [96, 96, 1, 2], [96, 96, 1, 4],
];

/** GroupNorm groups of the `gn` variant. */
export const MINICITY_GN_GROUPS = 8;

export interface MiniCitySpec {
  layers: Array<{ conv: ConvSpec; norm: NormSpec }>;
  classifier: ConvSpec;
  featureChannels: number;
}

/**
 * Convs have no bias (a norm follows each; the ≈265 k of the notes holds either way: 265,257
 * parameters with 9 classes). Init is PyTorch's nn.Conv2d default, U(±1/√fanIn), as the
 * prototype built its layers from plain nn.Conv2d.
 */
export function planMiniCity(plan: ModelPlan, numClasses: number, norm: NormKind): MiniCitySpec {
  const layers = MINICITY_LAYERS.map(([cin, cout, stride, dilation], i) => ({
    conv: plan.conv(`backbone.${i}.conv`, { k: 3, cin, cout, stride, dilation, pad: dilation, init: 'torchDefault' }),
    norm: plan.norm(`backbone.${i}.norm`, cout, norm, MINICITY_GN_GROUPS),
  }));
  const featureChannels = MINICITY_LAYERS[MINICITY_LAYERS.length - 1][1];
  const classifier = plan.conv('classifier', { k: 1, cin: featureChannels, cout: numClasses, bias: true, init: 'torchDefault' });
  return { layers, classifier, featureChannels };
}

export function applyMiniCityBackbone(ctx: ForwardCtx, spec: MiniCitySpec, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => spec.layers.reduce((h, l) => convNormRelu(ctx, l.conv, l.norm, h), x));
}

export function applyMiniCityHead(ctx: ForwardCtx, spec: MiniCitySpec, f: tf.Tensor4D): tf.Tensor4D {
  return applyConv(ctx, spec.classifier, f);
}

/** Analytic feature grid along one axis. */
export function miniCityGrid(size: number): number {
  return MINICITY_LAYERS.reduce((n, [, , s, d]) => convOut(n, 3, s, d, d), size);
}

/** The net's convolutions at an `h`×`w` input, in forward order. */
export function miniCityConvs(spec: MiniCitySpec, h: number, w: number): ConvWork[] {
  const convs: ConvWork[] = [];
  let g: [number, number] = [h, w];
  spec.layers.forEach((l, i) => { g = pushConv(convs, l.conv, ...g, i === 0); });
  pushConv(convs, spec.classifier, ...g);
  return convs;
}
