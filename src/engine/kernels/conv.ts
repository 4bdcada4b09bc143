// Convolution kernels for the wasm backend on plca's own GEMM (csrc/kernels/gemm.c), in place on
// tfjs's heap. Why: tfjs-backend-wasm's XNNPACK is built for SIMD128 and runs ResNet-101's
// convolutions at 15-26 GFLOP/s per thread; it has no filter gradient, and the gradients composed
// from forward convolutions (conv_grad.ts) cost transposes and run the 1×1 filter gradients as
// convolutions with a spatial "kernel" the size of the feature map. Here every convolution and
// both its gradients are one packed GEMM over an implicit im2col view (notes in README.md):
//   forward        y[p, co]        = Σ_(t,ci) x[src(p, t), ci] · w[t, ci, co]     M = pixels, K = taps·Ci
//   input grad     dx[p, ci]       = Σ_(t,co) dy[src'(p, t), co] · w[t, ci, co]   (stride 1: taps mirrored)
//   filter grad    dw[(t, ci), co] = Σ_p x[src(p, t), ci] · dy[p, co]             M = taps·Ci, K = pixels
// Shapes they do not cover (other dtypes or layouts, a strided k×k input gradient) go to the
// stock kernel or to conv_grad.ts's composition.
import * as tf from '@tensorflow/tfjs-core';
import { PlcaError } from '../../util/errors.js';
import { convGeometry, type ConvGeometry } from '../conv_geometry.js';
import type { KernelRuntime } from './runtime.js';
import { A_DENSE, A_DENSE_T, A_IM2COL, A_IM2COL_T, B_DENSE, B_DENSE_T, B_TAP_T, C_SCATTER, type Im2col } from './views.js';

/** The wasm backend, as far as these kernels need it. */
interface WasmBackend extends tf.KernelBackend {
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

export const CONV_INPUT_GRAD = 'PlcaConv2DBackpropInput';
export const CONV_FILTER_GRAD = 'PlcaConv2DBackpropFilter';

let runtime: KernelRuntime | undefined;
let enabled = true;

/** The runtime the kernels use (set once at engine start; undefined = stock kernels only). */
export function ownKernels(): KernelRuntime | undefined {
  return enabled ? runtime : undefined;
}

/** The installed runtime even while disabled (benchmarks). */
export function installedKernels(): KernelRuntime | undefined {
  return runtime;
}

/**
 * Routes convolutions back to the stock kernels (false) or to plca's (true), for benchmarks that
 * compare both in one process. Returns the previous setting.
 */
export function setOwnKernelsEnabled(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

function addr(backend: WasmBackend, t: tf.TensorInfo): number {
  const d = backend.dataIdMap.get(t.dataId);
  // Address 0 is a failed allocation (heap_guard.ts makes those throw): never write through it.
  if (!d || (d.memoryOffset >>> 0) === 0) throw new PlcaError('PLCA_INTERNAL', `tensor [${t.shape}] has no wasm data`);
  return d.memoryOffset >>> 0;
}

/** Forward im2col geometry of a conv from its geometry (grid = output pixels). */
function forwardView(x: number[], f: number[], g: ConvGeometry): Im2col {
  return {
    n: x[0], h: x[1], w: x[2], c: x[3], oh: g.outH, ow: g.outW, kh: f[0], kw: f[1],
    sh: g.strideH, sw: g.strideW, offH: -g.padTop, offW: -g.padLeft, stepH: g.dilH, stepW: g.dilW,
  };
}

/** A 1×1 convolution with stride 1 and no padding is a plain matrix product over pixels. */
function isPointwise(f: number[], g: ConvGeometry): boolean {
  return f[0] === 1 && f[1] === 1 && g.strideH === 1 && g.strideW === 1 && g.padTop === 0 && g.padLeft === 0;
}

/** y = conv(x, w), any stride, dilation and padding. */
export function convForward(rt: KernelRuntime, backend: WasmBackend, x: tf.TensorInfo, w: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  const [n, , , ci] = x.shape;
  const [kh, kw, , co] = w.shape;
  const y = backend.makeOutput([n, g.outH, g.outW, co], 'float32');
  const point = isPointwise(w.shape, g);
  rt.gemm({
    m: n * g.outH * g.outW, n: co, k: kh * kw * ci,
    a: point ? { kind: A_DENSE, ptr: addr(backend, x), ld: ci } : { kind: A_IM2COL, ptr: addr(backend, x) },
    b: { kind: B_DENSE, ptr: addr(backend, w), ld: co },
    c: { ptr: addr(backend, y), ld: co },
    im2col: point ? undefined : forwardView(x.shape, w.shape, g),
  });
  return y;
}

/** True when `convInputGrad` handles the geometry: stride 1, or a 1×1 conv without padding and equal strides. */
export function inputGradSupported(f: number[], g: ConvGeometry): boolean {
  return (g.strideH === 1 && g.strideW === 1)
    || (f[0] === 1 && f[1] === 1 && g.padTop === 0 && g.padLeft === 0 && g.strideH === g.strideW);
}

/** dx for y = conv(x, w); see `inputGradSupported`. */
export function convInputGrad(rt: KernelRuntime, backend: WasmBackend, dy: tf.TensorInfo, w: tf.TensorInfo, xShape: number[],
  g: ConvGeometry): tf.TensorInfo {
  const [n, h, wd, ci] = xShape;
  const [kh, kw, , co] = w.shape;
  const dx = backend.makeOutput([n, h, wd, ci], 'float32');
  const dyPtr = addr(backend, dy);
  const wPtr = addr(backend, w);
  if (kh === 1 && kw === 1 && g.padTop === 0 && g.padLeft === 0) {
    const strided = g.strideH !== 1 || g.strideW !== 1;
    // Strided: each dy pixel lands on input pixel (oh·s, ow·s); every other input pixel gets 0.
    if (strided) backend.typedArrayFromHeap(dx).fill(0);
    rt.gemm({
      m: n * g.outH * g.outW, n: ci, k: co,
      a: { kind: A_DENSE, ptr: dyPtr, ld: co },
      b: { kind: B_DENSE_T, ptr: wPtr, ld: co },
      c: strided
        ? { kind: C_SCATTER, ptr: addr(backend, dx), ld: ci, scatter: { h, w: wd, s: g.strideH } }
        : { ptr: addr(backend, dx), ld: ci },
      // The scatter reads the dy grid from the im2col geometry.
      im2col: strided ? forwardView(xShape, w.shape, g) : undefined,
    });
    return dx;
  }
  // Stride 1: dx[u] = Σ_t dy[u + pad − t·d] · w[t]ᵀ — the forward view of dy with mirrored taps.
  rt.gemm({
    m: n * h * wd, n: ci, k: kh * kw * co,
    a: { kind: A_IM2COL, ptr: dyPtr },
    b: { kind: B_TAP_T, ptr: wPtr, tapK: co },
    c: { ptr: addr(backend, dx), ld: ci },
    im2col: {
      n, h: g.outH, w: g.outW, c: co, oh: h, ow: wd, kh, kw, sh: 1, sw: 1,
      offH: g.padTop, offW: g.padLeft, stepH: -g.dilH, stepW: -g.dilW,
    },
  });
  return dx;
}

/** dw for y = conv(x, w), any stride, dilation and padding: [kh, kw, Ci, Co]. */
export function convFilterGrad(rt: KernelRuntime, backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, filterShape: number[],
  g: ConvGeometry): tf.TensorInfo {
  const [n, , , ci] = x.shape;
  const [kh, kw, , co] = filterShape;
  const dw = backend.makeOutput(filterShape, 'float32');
  const point = isPointwise(filterShape, g);
  rt.gemm({
    m: kh * kw * ci, n: co, k: n * g.outH * g.outW,
    a: point ? { kind: A_DENSE_T, ptr: addr(backend, x), ld: ci } : { kind: A_IM2COL_T, ptr: addr(backend, x) },
    b: { kind: B_DENSE, ptr: addr(backend, dy), ld: co },
    c: { ptr: addr(backend, dw), ld: co },
    im2col: point ? undefined : forwardView(x.shape, filterShape, g),
  });
  return dw;
}

/** Kernel attributes of the two gradient kernels: the forward conv's geometry. */
export type ConvGradAttrs = ConvGeometry & { shape: number[] };

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function geometryOf(attrs: tf.NamedAttrMap | undefined): ConvGradAttrs {
  return attrs as unknown as ConvGradAttrs;
}

/**
 * Installs the kernels: Conv2D for wasm on plca's GEMM (float32 NHWC; anything else goes to the
 * stock kernel), and the two gradient kernels conv_grad.ts calls (which, unlike tfjs's
 * Conv2DBackpropInput/Filter, take a dilation).
 */
export function registerConvKernels(rt: KernelRuntime): void {
  runtime = rt;
  const stock = tf.getKernel(tf.Conv2D, 'wasm')?.kernelFunc;
  tf.unregisterKernel(tf.Conv2D, 'wasm');
  tf.registerKernel({
    kernelName: tf.Conv2D, backendName: 'wasm',
    kernelFunc: ((args: KernelArgs) => {
      const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const attrs = args.attrs as unknown as tf.Conv2DAttrs;
      // A stem-like conv (≤ 4 input channels, e.g. RGB) stays with XNNPACK, which measured faster
      // there (R101's 7×7/2 stem at 321²: 15 ms against 21 ms, one thread).
      // (stock wasm Conv2D mishandles unequal strides, so those stay here).
      const [sh, sw] = typeof attrs.strides === 'number' ? [attrs.strides, attrs.strides] : attrs.strides;
      const stemLike = x.shape[3] <= 4 && sh === sw;
      if (!enabled || stemLike || x.dtype !== 'float32' || filter.dtype !== 'float32' || attrs.dataFormat === 'NCHW' || !stock) {
        return stock!(args as Parameters<tf.KernelFunc>[0]);
      }
      return convForward(rt, args.backend as WasmBackend, x, filter, convGeometry(x.shape, filter.shape, attrs));
    }) as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: CONV_INPUT_GRAD, backendName: 'wasm',
    kernelFunc: ((args: KernelArgs) => {
      const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const a = geometryOf(args.attrs);
      return convInputGrad(rt, args.backend as WasmBackend, dy, filter, a.shape, a);
    }) as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: CONV_FILTER_GRAD, backendName: 'wasm',
    kernelFunc: ((args: KernelArgs) => {
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = geometryOf(args.attrs);
      return convFilterGrad(rt, args.backend as WasmBackend, x, dy, a.shape, a);
    }) as tf.KernelFunc,
  });
}
