// ResNet with bottleneck blocks, NHWC, as the reference builds it for DeepLab-V2.
// Ported from: kgl-prml/Pixel-Level-Cycle-Association model/resnet.py (ResNet, Bottleneck, _make_layer)
// Changes: NHWC layout; planned declarations instead of nn.Module; widths and depths are
// parameters, so the same code builds ResNet-101 and the narrow CPU variant.
import * as tf from '@tensorflow/tfjs-core';
import {
  applyConv, applyNorm, convNormRelu, convOut, type ConvSpec, type ForwardCtx, type ModelPlan,
  type NormKind, type NormSpec,
} from '../module.js';
import { addRelu } from '../../engine/ops.js';
import { pushConv, type ConvWork } from '../conv_work.js';
import { checkpoint } from '../recompute.js';
import { PlcaError } from '../../util/errors.js';

export interface ResNetArch {
  /** stem channels (64 in ResNet-101) */ stemChannels: number;
  /** bottleneck widths per layer (64, 128, 256, 512) */ planes: [number, number, number, number];
  /** blocks per layer (3, 4, 23, 3 for ResNet-101) */ blocks: [number, number, number, number];
  /** replace the stride of layer2..4 by dilation (torchvision's replace_stride_with_dilation) */
  dilate: [boolean, boolean, boolean];
  norm: NormKind;
  /** GroupNorm groups (ignored for BN) */ groups: number;
}

export const BOTTLENECK_EXPANSION = 4;

export const RESNET101: Omit<ResNetArch, 'norm' | 'groups'> = {
  stemChannels: 64, planes: [64, 128, 256, 512], blocks: [3, 4, 23, 3], dilate: [false, true, true],
};

interface BlockSpec {
  conv1: ConvSpec; bn1: NormSpec; conv2: ConvSpec; bn2: NormSpec; conv3: ConvSpec; bn3: NormSpec;
  downsample?: { conv: ConvSpec; norm: NormSpec };
}

export interface ResNetSpec {
  conv1: ConvSpec; bn1: NormSpec;
  layers: BlockSpec[][];
  outChannels: number;
  /** output stride of layer4 */ outputStride: number;
}

/**
 * Declares the backbone's parameters under `prefix` (names = the reference's state_dict names).
 * Stride sits in the first 1×1 conv of a bottleneck; the 3×3 conv has padding = dilation; a
 * dilated layer applies its new dilation already in its first block (the reference's "# change").
 */
export function planResNet(plan: ModelPlan, prefix: string, a: ResNetArch): ResNetSpec {
  const g = a.groups;
  const conv1 = plan.conv(`${prefix}.conv1`, { k: 7, cin: 3, cout: a.stemChannels, stride: 2, pad: 3, init: 'kaimingNormalFanOut' });
  const bn1 = plan.norm(`${prefix}.bn1`, a.stemChannels, a.norm, g);
  let inplanes = a.stemChannels;
  let dilation = 1;
  let outputStride = 4; // stem conv /2 and max-pool /2
  const layers: BlockSpec[][] = [];
  for (let l = 0; l < 4; l++) {
    let stride = l === 0 ? 1 : 2;
    if (l > 0 && a.dilate[l - 1]) {
      dilation *= stride;
      stride = 1;
    }
    outputStride *= stride;
    const planes = a.planes[l];
    const out = planes * BOTTLENECK_EXPANSION;
    const blocks: BlockSpec[] = [];
    for (let b = 0; b < a.blocks[l]; b++) {
      const p = `${prefix}.layer${l + 1}.${b}`;
      const s = b === 0 ? stride : 1;
      const block: BlockSpec = {
        conv1: plan.conv(`${p}.conv1`, { k: 1, cin: inplanes, cout: planes, stride: s, init: 'kaimingNormalFanOut' }),
        bn1: plan.norm(`${p}.bn1`, planes, a.norm, g),
        conv2: plan.conv(`${p}.conv2`, { k: 3, cin: planes, cout: planes, dilation, pad: dilation, init: 'kaimingNormalFanOut' }),
        bn2: plan.norm(`${p}.bn2`, planes, a.norm, g),
        conv3: plan.conv(`${p}.conv3`, { k: 1, cin: planes, cout: out, init: 'kaimingNormalFanOut' }),
        bn3: plan.norm(`${p}.bn3`, out, a.norm, g),
      };
      if (b === 0 && (s !== 1 || inplanes !== out)) {
        block.downsample = {
          conv: plan.conv(`${p}.downsample.0`, { k: 1, cin: inplanes, cout: out, stride: s, init: 'kaimingNormalFanOut' }),
          norm: plan.norm(`${p}.downsample.1`, out, a.norm, g),
        };
      }
      blocks.push(block);
      inplanes = out;
    }
    layers.push(blocks);
  }
  return { conv1, bn1, layers, outChannels: inplanes, outputStride };
}

/** Output size of PyTorch's `MaxPool2d(k, s, p, ceil_mode=True)` along one axis. */
export function ceilPoolOut(size: number, k: number, s: number, p: number): number {
  let out = Math.ceil((size + 2 * p - k) / s) + 1;
  // PyTorch drops a last window that would start inside the right padding only.
  if ((out - 1) * s >= size + p) out -= 1;
  return out;
}

/**
 * Max-pool 3×3/2, padding 1, ceil mode, as `nn.MaxPool2d(3, 2, 1, ceil_mode=True)`. Padding with
 * −∞ (not 0) keeps the padded cells out of every max, which matters for windows that hang over
 * the bottom/right edge in ceil mode.
 */
export function maxPoolCeil(x: tf.Tensor4D, k = 3, s = 2, p = 1): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const oh = ceilPoolOut(h, k, s, p);
    const ow = ceilPoolOut(w, k, s, p);
    const padB = (oh - 1) * s + k - h - p; // ≥ 0 for k ≥ s
    const padR = (ow - 1) * s + k - w - p;
    const xp = tf.pad(x, [[0, 0], [p, padB], [p, padR], [0, 0]], -Infinity);
    return tf.maxPool(xp, k, s, 'valid');
  });
}

function applyBlock(ctx: ForwardCtx, b: BlockSpec, x: tf.Tensor4D): tf.Tensor4D {
  // Nested tidies free each branch's intermediates as soon as the branch is done: at a 730×1460
  // input one layer4 activation is 138 MB, and a single tidy would hold a dozen of them.
  const main = tf.tidy(() => {
    const out = convNormRelu(ctx, b.conv2, b.bn2, convNormRelu(ctx, b.conv1, b.bn1, x));
    return applyNorm(ctx, b.bn3, applyConv(ctx, b.conv3, out));
  });
  const ds = b.downsample;
  const identity = ds ? tf.tidy(() => applyNorm(ctx, ds.norm, applyConv(ctx, ds.conv, x))) : x;
  const y = tf.tidy(() => addRelu(main, identity)); // sum and ReLU in one op, only y kept for the gradient
  main.dispose();
  if (identity !== x) identity.dispose();
  return y;
}

/** The trainable variables a block reads (a checkpointed block's gradient is taken w.r.t. them). */
function blockVariables(ctx: ForwardCtx, b: BlockSpec): tf.Variable[] {
  const convs = [b.conv1, b.conv2, b.conv3, ...(b.downsample ? [b.downsample.conv] : [])];
  const norms = [b.bn1, b.bn2, b.bn3, ...(b.downsample ? [b.downsample.norm] : [])];
  const names = [
    ...convs.flatMap((c) => [`${c.name}.weight`, ...(c.bias ? [`${c.name}.bias`] : [])]),
    ...norms.flatMap((n) => [`${n.name}.weight`, `${n.name}.bias`]),
  ];
  return names.map((n) => param(ctx, n));
}

function param(ctx: ForwardCtx, name: string): tf.Variable {
  const v = ctx.params.get(name);
  if (!v) throw new PlcaError('PLCA_INTERNAL', `missing model variable "${name}"`);
  return v;
}

/** The same context with BN running statistics left alone: a replayed forward must not move them twice. */
const replayCtx = (ctx: ForwardCtx, replay: boolean): ForwardCtx => (replay ? { ...ctx, updateStats: false } : ctx);

/** Blocks in order, each freeing its input as soon as the next has it. */
function runBlocks(ctx: ForwardCtx, blocks: BlockSpec[], x: tf.Tensor4D, own: boolean, each: boolean): tf.Tensor4D {
  let h = x;
  for (const b of blocks) {
    const next = each
      ? checkpoint((xi, replay) => applyBlock(replayCtx(ctx, replay), b, xi), h, blockVariables(ctx, b))
      : applyBlock(ctx, b, h);
    if (h !== x || own) h.dispose();
    h = next;
  }
  return h;
}

/** One layer (stage) under the context's recomputation mode (src/models/recompute.ts). */
function runLayer(ctx: ForwardCtx, layer: BlockSpec[], x: tf.Tensor4D): tf.Tensor4D {
  const mode = ctx.recompute ?? 'off';
  if (mode !== 'segments') return runBlocks(ctx, layer, x, true, mode === 'blocks');
  // ⌈√n⌉ blocks per segment: √n segment inputs kept, and √n block inputs while one is replayed.
  const size = Math.ceil(Math.sqrt(layer.length));
  let h = x;
  for (let i = 0; i < layer.length; i += size) {
    const seg = layer.slice(i, i + size);
    const next = checkpoint((xi, replay) => runBlocks(replayCtx(ctx, replay), seg, xi, false, true), h,
      seg.flatMap((b) => blockVariables(ctx, b)));
    h.dispose();
    h = next;
  }
  return h;
}

/** Backbone forward: returns layer4's output. Each block runs in its own tidy, so inference on
 *  large images frees every intermediate as it goes (one tidy around all 33 blocks would not).
 *  In training, `ctx.recompute` checkpoints blocks or segments of blocks (src/models/recompute.ts). */
export function applyResNet(ctx: ForwardCtx, spec: ResNetSpec, x: tf.Tensor4D): tf.Tensor4D {
  const stem = (c: ForwardCtx, xi: tf.Tensor4D) => tf.tidy(() => maxPoolCeil(convNormRelu(c, spec.conv1, spec.bn1, xi)));
  // The stem at full resolution keeps ~16 bytes per input pixel on the tape (BN's input and output,
  // the padded max-pool input): checkpointed with the blocks, it keeps only the image.
  let h: tf.Tensor4D = (ctx.recompute ?? 'off') === 'off' ? stem(ctx, x)
    : checkpoint((xi, replay) => stem(replayCtx(ctx, replay), xi), x,
      [`${spec.conv1.name}.weight`, `${spec.bn1.name}.weight`, `${spec.bn1.name}.bias`].map((n) => param(ctx, n)));
  for (const layer of spec.layers) h = runLayer(ctx, layer, h);
  return h;
}

/** Analytic layer4 grid for an input of `size` pixels along one axis. */
export function resnetGrid(size: number, spec: Pick<ResNetSpec, 'layers'>): number {
  let n = ceilPoolOut(convOut(size, 7, 2, 3), 3, 2, 1);
  for (const layer of spec.layers) n = convOut(n, 1, layer[0].conv1.stride, 0);
  return n;
}

/** The backbone's convolutions at an `h`×`w` input, in forward order, and layer4's grid. */
export function resnetConvs(spec: ResNetSpec, h: number, w: number): { convs: ConvWork[]; grid: [number, number] } {
  const convs: ConvWork[] = [];
  let [gh, gw] = pushConv(convs, spec.conv1, h, w, true);
  gh = ceilPoolOut(gh, 3, 2, 1);
  gw = ceilPoolOut(gw, 3, 2, 1);
  for (const layer of spec.layers) {
    for (const b of layer) {
      const g1 = pushConv(convs, b.conv1, gh, gw);
      const g2 = pushConv(convs, b.conv2, ...g1);
      const g3 = pushConv(convs, b.conv3, ...g2);
      if (b.downsample) pushConv(convs, b.downsample.conv, gh, gw);
      [gh, gw] = g3;
    }
  }
  return { convs, grid: [gh, gw] };
}
