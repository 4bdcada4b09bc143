// Lowering of plca's layer specs (src/models/module.ts) to GraphDef nodes, NHWC.
// Inference semantics only: BatchNorm uses its running statistics and is folded into the
// preceding convolution (w' = w·γ/√(σ²+ε), b' = β + (b − μ)·γ/√(σ²+ε), computed in float64), which
// turns conv → BN → ReLU into one stock `_FusedConv2D` (BiasAdd, Relu) node. GroupNorm has no stock
// op: it becomes Reshape → Mean/SquaredDifference → Rsqrt → Reshape → per-channel Mul/AddV2,
// the same arithmetic as src/engine/norm.ts `groupNorm`.
import { convOut, type ConvSpec, type NormSpec } from '../models/module.js';
import { ceilPoolOut } from '../models/backbones/resnet.js';
import { PlcaError } from '../util/errors.js';
import { attr, type GraphBuilder, type GTensor } from './graph_builder.js';

/** Normalisation epsilon of src/engine/norm.ts (PyTorch's default). */
export const NORM_EPS = 1e-5;

/** Host copies of a model's variables by dotted name. */
export type VarReader = (name: string) => { shape: number[]; data: Float32Array };

export interface Lowering { g: GraphBuilder; read: VarReader }

const convAttrs = (c: ConvSpec) => ({
  T: attr.dtype('float32'),
  strides: attr.ints([1, c.stride, c.stride, 1]),
  // PyTorch-style symmetric padding, which neither 'SAME' nor 'VALID' expresses for stride 2.
  padding: attr.str('EXPLICIT'),
  explicit_paddings: attr.ints([0, 0, c.pad, c.pad, c.pad, c.pad, 0, 0]),
  dilations: attr.ints([1, c.dilation, c.dilation, 1]),
  data_format: attr.str('NHWC'),
});

function convShape(x: GTensor, c: ConvSpec): number[] {
  const [n, h, w, cin] = x.shape;
  if (cin !== c.cin) throw new PlcaError('PLCA_INTERNAL', `export: ${c.name} expects ${c.cin} input channels, the graph has ${cin}`);
  return [n, convOut(h, c.k, c.stride, c.pad, c.dilation), convOut(w, c.k, c.stride, c.pad, c.dilation), c.cout];
}

/** Folds BN's running statistics into conv weights [kh, kw, in, out] and a bias [out]. */
export function foldBatchNorm(l: Lowering, c: ConvSpec, n: NormSpec): { w: Float32Array; b: Float32Array } {
  const w = l.read(`${c.name}.weight`).data;
  const bias = c.bias ? l.read(`${c.name}.bias`).data : undefined;
  const gamma = l.read(`${n.name}.weight`).data;
  const beta = l.read(`${n.name}.bias`).data;
  const mean = l.read(`${n.name}.running_mean`).data;
  const variance = l.read(`${n.name}.running_var`).data;
  const cout = c.cout;
  const scale = new Float64Array(cout);
  const b = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    scale[o] = gamma[o] / Math.sqrt(variance[o] + NORM_EPS);
    b[o] = beta[o] + ((bias ? bias[o] : 0) - mean[o]) * scale[o];
  }
  const wf = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) wf[i] = w[i] * scale[i % cout]; // HWIO: out is the fastest axis
  return { w: wf, b };
}

/** conv (+ norm) (+ ReLU). BN is folded; GN follows the conv as its own subgraph. */
export function convUnit(l: Lowering, x: GTensor, c: ConvSpec, n: NormSpec | undefined, relu: boolean): GTensor {
  const shape = convShape(x, c);
  const wShape = [c.k, c.k, c.cin, c.cout];
  let w: Float32Array;
  let b: Float32Array | undefined;
  if (n?.kind === 'bn') {
    ({ w, b } = foldBatchNorm(l, c, n));
  } else {
    w = l.read(`${c.name}.weight`).data;
    b = c.bias ? l.read(`${c.name}.bias`).data : undefined;
  }
  const wT = l.g.constant(`${c.name}.weight`, w, wShape);
  const fuseRelu = relu && n?.kind !== 'gn';
  let y: GTensor;
  if (b) {
    const bT = l.g.constant(`${c.name}.bias`, b, [c.cout]);
    y = l.g.op('_FusedConv2D', `${c.name}/conv`, [x, wT, bT], shape, {
      ...convAttrs(c), fused_ops: attr.strs(fuseRelu ? ['BiasAdd', 'Relu'] : ['BiasAdd']), num_args: attr.int(1),
    });
  } else {
    y = l.g.op('Conv2D', `${c.name}/conv`, [x, wT], shape, convAttrs(c));
    if (fuseRelu) y = l.g.op('Relu', `${c.name}/relu`, [y], shape);
  }
  if (n?.kind === 'gn') {
    y = groupNorm(l, y, n);
    if (relu) y = l.g.op('Relu', `${n.name}/relu`, [y], shape);
  }
  return y;
}

/** GroupNorm with statistics over (H, W, C/G) per image and group, then the per-channel affine. */
export function groupNorm(l: Lowering, x: GTensor, n: NormSpec): GTensor {
  const { g } = l;
  const [, h, w, c] = x.shape;
  const G = n.groups;
  const grouped = [-1, h, w, G, c / G];
  const p = n.name;
  const xg = g.op('Reshape', `${p}/group`, [x, g.ints(`${p}/group_shape`, grouped)], grouped);
  const axes = g.ints(`${p}/axes`, [1, 2, 4]);
  const statShape = [-1, 1, 1, G, 1];
  const keep = { keep_dims: attr.bool(true), T: attr.dtype('float32'), Tidx: attr.dtype('int32') };
  const mean = g.op('Mean', `${p}/mean`, [xg, axes], statShape, keep);
  // tf.moments' variance: the mean of squared deviations from the mean (biased), as the engine.
  const sq = g.op('SquaredDifference', `${p}/sqdiff`, [xg, mean], grouped);
  const variance = g.op('Mean', `${p}/variance`, [sq, axes], statShape, keep);
  const eps = g.constant(`${p}/eps`, Float32Array.of(NORM_EPS), []);
  const inv = g.op('Rsqrt', `${p}/rsqrt`, [g.op('AddV2', `${p}/var_eps`, [variance, eps], statShape)], statShape);
  const centred = g.op('Sub', `${p}/centre`, [xg, mean], grouped);
  const normed = g.op('Mul', `${p}/normalize`, [centred, inv], grouped);
  const flat = g.op('Reshape', `${p}/ungroup`, [normed, g.ints(`${p}/ungroup_shape`, [-1, h, w, c])], x.shape);
  const gamma = g.constant(`${p}.weight`, l.read(`${p}.weight`).data, [c]);
  const beta = g.constant(`${p}.bias`, l.read(`${p}.bias`).data, [c]);
  return g.op('AddV2', `${p}/affine`, [g.op('Mul', `${p}/scale`, [flat, gamma], x.shape), beta], x.shape);
}

/**
 * `nn.MaxPool2d(k, s, p, ceil_mode=True)` as src/models/backbones/resnet.ts `maxPoolCeil`:
 * pad with −∞ (p before, enough after for the ceil-mode windows), then a VALID max-pool.
 */
export function maxPoolCeil(l: Lowering, x: GTensor, name: string, k = 3, s = 2, p = 1): GTensor {
  const { g } = l;
  const [n, h, w, c] = x.shape;
  const oh = ceilPoolOut(h, k, s, p);
  const ow = ceilPoolOut(w, k, s, p);
  const padB = (oh - 1) * s + k - h - p;
  const padR = (ow - 1) * s + k - w - p;
  const pads = g.ints(`${name}/paddings`, [0, 0, p, padB, p, padR, 0, 0], [4, 2]);
  const negInf = g.constant(`${name}/pad_value`, Float32Array.of(-Infinity), []);
  const padded = g.op('PadV2', `${name}/pad`, [x, pads, negInf], [n, h + p + padB, w + p + padR, c], {
    T: attr.dtype('float32'), Tpaddings: attr.dtype('int32'),
  });
  return g.op('MaxPool', `${name}/maxpool`, [padded], [n, oh, ow, c], {
    T: attr.dtype('float32'), ksize: attr.ints([1, k, k, 1]), strides: attr.ints([1, s, s, 1]),
    padding: attr.str('VALID'), data_format: attr.str('NHWC'),
  });
}

/** The optional `labels` output: argmax of the logits upsampled bilinearly (half-pixel centres,
 *  PyTorch align_corners=False, as src/engine resizeBilinear) to `size`. int32 [N, H, W]. */
export function upsampledArgmax(l: Lowering, logits: GTensor, size: [number, number]): GTensor {
  const { g } = l;
  const [n, , , k] = logits.shape;
  const up = g.op('ResizeBilinear', 'labels/resize', [logits, g.ints('labels/size', size)], [n, size[0], size[1], k], {
    T: attr.dtype('float32'), align_corners: attr.bool(false), half_pixel_centers: attr.bool(true),
  });
  return g.op('ArgMax', 'labels/argmax', [up, g.ints('labels/axis', [3], [])], [n, size[0], size[1]], {
    T: attr.dtype('float32'), Tidx: attr.dtype('int32'), output_type: attr.dtype('int32'),
  });
}
