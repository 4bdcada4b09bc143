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
  disposeData(id: object): boolean;
}

const MOMENTS = 'PlcaChannelMoments';
const BN_APPLY = 'PlcaBatchNormApply';
const BN_GRAD = 'PlcaBatchNormGrad';
const RELU_GRAD = 'PlcaReluGrad';
const SGD = 'PlcaSgdUpdate';
const SUM_SQUARES = 'PlcaSumSquares';
const ADD_RELU = 'PlcaAddRelu';

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

/**
 * Batch norm's forward map with the given statistics: a = γ/√(σ² + ε), y = x·a + (β − μ·a), one
 * pass over x; the [C]-sized arithmetic is done in float64 inside the kernel (about ten fewer tiny
 * kernels per BN); `relu`: then max(·, 0) in the same pass. Returns y with a and 1/√(σ² + ε) for
 * the gradient, or undefined.
 */
export function batchNormApply(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, eps: number,
  relu = false): { y: tf.Tensor; a: tf.Tensor1D; invStd: tf.Tensor1D } | undefined {
  if (!usable(x, gamma, beta, mean, variance)) return undefined;
  const [y, a, invStd] = run(BN_APPLY, { x, gamma, beta, mean, variance }, { eps, relu }) as tf.Tensor[];
  return { y, a: a as tf.Tensor1D, invStd: invStd as tf.Tensor1D };
}

/**
 * Batch norm's gradient (norm.ts has the formulas): with batch statistics
 * dx = dy·a + x·k + k0, k = −a·invStd·Σdy·x̂/m, k0 = −a·Σdy/m − μ·k; otherwise dx = dy·a; and
 * dγ = Σdy·x̂ = (Σdy·x − μ·Σdy)·invStd, dβ = Σdy. Two passes (the sums, then dx), sums in
 * float64, the [C]-sized arithmetic inside the kernel. With `reluOut` (the output of a fused BN +
 * ReLU) dy is first masked by reluOut > 0, in the same passes. Or undefined.
 */
export function batchNormGrad(dy: tf.Tensor, x: tf.Tensor, mean: tf.Tensor, invStd: tf.Tensor, a: tf.Tensor, batchStats: boolean,
  reluOut?: tf.Tensor): { dx: tf.Tensor; dGamma: tf.Tensor1D; dBeta: tf.Tensor1D } | undefined {
  if (!usable(dy, x, mean, invStd, a, ...(reluOut ? [reluOut] : []))) return undefined;
  const [dx, dGamma, dBeta] = run(BN_GRAD, reluOut ? { dy, x, mean, invStd, a, reluOut } : { dy, x, mean, invStd, a }, { batchStats }) as tf.Tensor[];
  return { dx, dGamma: dGamma as tf.Tensor1D, dBeta: dBeta as tf.Tensor1D };
}

/** Σx² over a whole tensor as a float32 scalar, one pass summed in float64 (a gradient norm's terms); or undefined. */
export function sumSquares(x: tf.Tensor): tf.Scalar | undefined {
  if (!usable(x)) return undefined;
  return run(SUM_SQUARES, { x }) as tf.Scalar;
}

/** max(a + b, 0) in one pass (a residual block's sum and ReLU); or undefined. */
export function addReluKernel(a: tf.Tensor, b: tf.Tensor): tf.Tensor | undefined {
  if (!usableFlat(a, b) || !tf.util.arraysEqual(a.shape, b.shape)) return undefined;
  return run(ADD_RELU, { a, b }) as tf.Tensor;
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
  reg(BN_APPLY, (b, { inputs: { x, gamma, beta, mean, variance }, attrs }) => {
    const [p, c] = dims(x);
    const eps = (attrs as unknown as { eps: number }).eps;
    const a = b.makeOutput([c], 'float32');
    const invStd = b.makeOutput([c], 'float32');
    const shift = b.makeOutput([c], 'float32');
    const y = b.makeOutput(x.shape, 'float32');
    // heap views only after every allocation: a growing (unshared) memory detaches older views
    const [g, bt, mu, v, av, iv, sv] = [gamma, beta, mean, variance, a, invStd, shift].map((t) => b.typedArrayFromHeap(t));
    for (let i = 0; i < c; i++) {
      const r = 1 / Math.sqrt(v[i] + eps);
      iv[i] = r; av[i] = g[i] * r; sv[i] = bt[i] - mu[i] * av[i];
    }
    rt.affine(p, c, addr(b, x), addr(b, a), addr(b, shift), addr(b, y), Boolean((attrs as unknown as { relu?: boolean }).relu));
    b.disposeData(shift.dataId);
    return [y, a, invStd];
  });
  reg(BN_GRAD, (b, { inputs: { dy, x, mean, invStd, a, reluOut }, attrs }) => {
    const [p, c] = dims(x);
    const batchStats = Boolean((attrs as unknown as { batchStats: boolean }).batchStats);
    const mask = reluOut ? addr(b, reluOut) : 0;
    const [s, sp] = rt.channelSums(p, c, 'sumprod', addr(b, dy), addr(b, x), mask);
    const dGamma = b.makeOutput([c], 'float32');
    const dBeta = b.makeOutput([c], 'float32');
    const k = b.makeOutput([c], 'float32');
    const k0 = b.makeOutput([c], 'float32');
    const dx = b.makeOutput(x.shape, 'float32');
    const [mu, is, av, dg, db, kv, k0v] = [mean, invStd, a, dGamma, dBeta, k, k0].map((t) => b.typedArrayFromHeap(t));
    for (let i = 0; i < c; i++) {
      const sxh = (sp[i] - mu[i] * s[i]) * is[i]; // Σdy·x̂
      dg[i] = sxh; db[i] = s[i];
      const ki = batchStats ? -av[i] * is[i] * sxh / p : 0;
      kv[i] = ki;
      k0v[i] = batchStats ? -av[i] * s[i] / p - mu[i] * ki : 0;
    }
    rt.affine2(p, c, addr(b, dy), addr(b, x), addr(b, a), addr(b, k), addr(b, k0), addr(b, dx), mask);
    b.disposeData(k.dataId);
    b.disposeData(k0.dataId);
    return [dx, dGamma, dBeta];
  });
  reg(ADD_RELU, (b, { inputs: { a, b: bb } }) => {
    const out = b.makeOutput(a.shape, 'float32');
    rt.addRelu(tf.util.sizeFromShape(a.shape), addr(b, a), addr(b, bb), addr(b, out));
    return out;
  });
  reg(SUM_SQUARES, (b, { inputs: { x } }) => {
    const [p, c] = dims(x);
    const [s] = rt.channelSums(p, c, 'sumsq', addr(b, x));
    const out = b.makeOutput([], 'float32');
    b.typedArrayFromHeap(out)[0] = s.reduce((acc, v) => acc + v, 0);
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
