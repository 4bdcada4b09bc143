// DeepLab-V2 ASPP classifier, NHWC.
// Ported from: kgl-prml/Pixel-Level-Cycle-Association model/segmentation/deeplabv2.py (ASPP, ASPPConv)
// Changes: NHWC layout; the rates are a parameter (the reference hard-codes 6, 12, 18, 24).
import * as tf from '@tensorflow/tfjs-core';
import { applyConv, type ConvSpec, type ForwardCtx, type ModelPlan } from '../module.js';
import { pushConv, type ConvWork } from '../conv_work.js';

export const DEEPLABV2_RATES = [6, 12, 18, 24] as const;

export interface AsppSpec { convs: ConvSpec[] }

/**
 * Four parallel 3×3 convs cin → K at the given rates (padding = rate), **no bias**, PyTorch's
 * default init (U(±1/√fanIn), not N(0, 0.01)); their outputs are summed. Our names are
 * `classifier.aspp.{i}.weight`; the reference nests them as `classifier.0.convs.{i}.0.weight`
 * (DeepLabHead is a Sequential holding the ASPP, each ASPPConv a Sequential holding the conv).
 */
export function planAspp(plan: ModelPlan, prefix: string, cin: number, numClasses: number, rates: readonly number[]): AsppSpec {
  const convs = rates.map((r, i) => plan.conv(`${prefix}.aspp.${i}`, {
    k: 3, cin, cout: numClasses, dilation: r, pad: r, bias: false, init: 'torchDefault',
    torchPrefix: `${prefix}.0.convs.${i}.0`,
  }));
  return { convs };
}

/** Sum of the atrous branches: [N, h, w, cin] → [N, h, w, K]. */
export function applyAspp(ctx: ForwardCtx, spec: AsppSpec, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.addN(spec.convs.map((c) => applyConv(ctx, c, x))));
}

/** The head's convolutions on an `h`×`w` feature grid. */
export function asppConvs(spec: AsppSpec, h: number, w: number): ConvWork[] {
  const convs: ConvWork[] = [];
  for (const c of spec.convs) pushConv(convs, c, h, w);
  return convs;
}
