// Batch norm's full-size work and ReLU's gradient for the wasm backend, on plca's kernel module
// (csrc/kernels/channel.c), in place on tfjs's heap. Why: tfjs-backend-wasm reduces an NHWC
// tensor over N, H, W by transposing all of it first, so each BN statistic costs a transpose
// plus a sum (four per BN per step: ~420 transposes in a ResNet-101 step); a per-channel affine map
// is a Multiply and an Add, two passes and two allocations; ReLU's gradient is Step + Multiply.
// Here each is one pass, channels vectorised, statistics summed in float64.
//
// Each function returns undefined when the kernels cannot take the tensor (not wasm, not
// float32, kernels off, too many channels): callers fall back to tfjs ops.
import * as tf from '@tensorflow/tfjs-core';
import { ownKernels } from './conv.js';
import type { KernelRuntime } from './runtime.js';

interface WasmBackend extends tf.KernelBackend {
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

const MOMENTS = 'PlcaChannelMoments';
const SUMS = 'PlcaChannelSums';
const AFFINE = 'PlcaChannelAffine';
const AFFINE2 = 'PlcaChannelAffine2';
const RELU_GRAD = 'PlcaReluGrad';
const SGD = 'PlcaSgdUpdate';

/** The runtime when the kernels can take these tensors (float32 on wasm, channel count in range). */
function usable(...ts: tf.Tensor[]): KernelRuntime | undefined {
  const rt = ownKernels();
  if (!rt || tf.getBackend() !== 'wasm' || ts.some((t) => t.dtype !== 'float32' || t.rank === 0)) return undefined;
  const c = ts[0].shape[ts[0].rank - 1];
  return c >= 1 && c <= rt.maxChannels ? rt : undefined;
}

/** The runtime when an elementwise kernel can take these tensors (float32 on wasm, same sizes). */
function usableFlat(...ts: tf.Tensor[]): KernelRuntime | undefined {
  const rt = ownKernels();
  if (!rt || tf.getBackend() !== 'wasm' || ts.some((t) => t.dtype !== 'float32' || t.size !== ts[0].size)) return undefined;
  return rt;
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: object = {}): tf.Tensor | tf.Tensor[] =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];

/** Batch mean and biased variance per channel (last axis), two passes in float64, or undefined. */
export function channelMoments(x: tf.Tensor): { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined {
  if (!usable(x)) return undefined;
  const [mean, variance] = run(MOMENTS, { x }) as tf.Tensor1D[];
  return { mean, variance };
}

/** [Σx·y, Σx] per channel over every other axis, or undefined. */
export function channelSumsProd(x: tf.Tensor, y: tf.Tensor): { sum: tf.Tensor1D; sumProd: tf.Tensor1D } | undefined {
  if (!usable(x, y)) return undefined;
  const [sum, sumProd] = run(SUMS, { x, y }) as tf.Tensor1D[];
  return { sum, sumProd };
}

/** x·a + b (a, b per channel), then max(·, 0) with `relu`, in one pass; or undefined. */
export function channelAffine(x: tf.Tensor, a: tf.Tensor1D, b: tf.Tensor1D, relu = false): tf.Tensor | undefined {
  if (!usable(x, a, b)) return undefined;
  return run(AFFINE, { x, a, b }, { relu }) as tf.Tensor;
}

/** x·a + y·b + c (a, b, c per channel) in one pass; or undefined. */
export function channelAffine2(x: tf.Tensor, y: tf.Tensor, a: tf.Tensor1D, b: tf.Tensor1D, c: tf.Tensor1D): tf.Tensor | undefined {
  if (!usable(x, y, a, b, c)) return undefined;
  return run(AFFINE2, { x, y, a, b, c }) as tf.Tensor;
}

/** ReLU's gradient dy·[x > 0] in one pass; or undefined. */
export function reluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor | undefined {
  if (!usableFlat(dy, x)) return undefined;
  return run(RELU_GRAD, { dy, x }) as tf.Tensor;
}

/**
 * One SGD step with momentum and weight decay in one pass (PyTorch's torch.optim.SGD, dampening 0):
 * v' = μ·v + g + wd·p (g + wd·p without a previous `v`), p' = p − lr·v'. Returns the new
 * parameter values and momentum buffer, or undefined (callers then use tfjs ops: six full-size
 * kernels per parameter).
 */
export function sgdUpdate(p: tf.Tensor, g: tf.Tensor, v: tf.Tensor | undefined, lr: number, momentum: number, weightDecay: number):
  { p: tf.Tensor; v: tf.Tensor } | undefined {
  if (!usableFlat(p, g, ...(v ? [v] : []))) return undefined;
  const [pNew, vNew] = run(SGD, v ? { p, g, v } : { p, g }, { lr, momentum, weightDecay }) as tf.Tensor[];
  return { p: pNew, v: vNew };
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: tf.NamedAttrMap };

function addr(b: WasmBackend, t: tf.TensorInfo): number {
  return (b.dataIdMap.get(t.dataId)?.memoryOffset ?? 0) >>> 0;
}

/** Rows (every axis but the last) and channels of a tensor. */
function dims(t: tf.TensorInfo): [number, number] {
  const c = t.shape[t.shape.length - 1];
  return [tf.util.sizeFromShape(t.shape) / c, c];
}

/** A [C] float32 output holding `values`. */
function vectorOut(b: WasmBackend, values: Float64Array, scale: number): tf.TensorInfo {
  const out = b.makeOutput([values.length], 'float32');
  const v = b.typedArrayFromHeap(out);
  for (let i = 0; i < values.length; i++) v[i] = values[i] * scale;
  return out;
}

export function registerChannelKernels(rt: KernelRuntime): void {
  const reg = (kernelName: string, f: (b: WasmBackend, a: Args) => tf.TensorInfo | tf.TensorInfo[]) => tf.registerKernel({
    kernelName, backendName: 'wasm', kernelFunc: ((a: Args) => f(a.backend as WasmBackend, a)) as tf.KernelFunc,
  });
  reg(MOMENTS, (b, { inputs: { x } }) => {
    const [p, c] = dims(x);
    const mean = vectorOut(b, rt.channelSums(p, c, 'sum', addr(b, x))[0], 1 / p);
    // the second pass centres on the float32 mean it returns
    const variance = vectorOut(b, rt.channelSums(p, c, 'sqdev', addr(b, x), addr(b, mean))[0], 1 / p);
    return [mean, variance];
  });
  reg(SUMS, (b, { inputs: { x, y } }) => {
    const [p, c] = dims(x);
    const [s, sp] = rt.channelSums(p, c, 'sumprod', addr(b, x), addr(b, y));
    return [vectorOut(b, s, 1), vectorOut(b, sp, 1)];
  });
  reg(AFFINE, (b, { inputs: { x, a, b: shift }, attrs }) => {
    const [p, c] = dims(x);
    const out = b.makeOutput(x.shape, 'float32');
    rt.affine(p, c, addr(b, x), addr(b, a), addr(b, shift), addr(b, out), Boolean(attrs?.relu));
    return out;
  });
  reg(AFFINE2, (b, { inputs: { x, y, a, b: bb, c: cc } }) => {
    const [p, c] = dims(x);
    const out = b.makeOutput(x.shape, 'float32');
    rt.affine2(p, c, addr(b, x), addr(b, y), addr(b, a), addr(b, bb), addr(b, cc), addr(b, out));
    return out;
  });
  reg(SGD, (b, { inputs: { p, g, v }, attrs }) => {
    const a = attrs as unknown as { lr: number; momentum: number; weightDecay: number };
    const pOut = b.makeOutput(p.shape, 'float32');
    const vOut = b.makeOutput(p.shape, 'float32');
    rt.sgd(tf.util.sizeFromShape(p.shape), addr(b, p), addr(b, g), v ? addr(b, v) : 0, addr(b, pOut), addr(b, vOut), a.lr, a.momentum, a.weightDecay);
    return [pOut, vOut];
  });
  reg(RELU_GRAD, (b, { inputs: { dy, x } }) => {
    const out = b.makeOutput(x.shape, 'float32');
    rt.reluGrad(tf.util.sizeFromShape(x.shape), addr(b, dy), addr(b, x), addr(b, out));
    return out;
  });
}
