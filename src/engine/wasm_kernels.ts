// Kernels the wasm backend lacks, composed from its own kernels (no tensors are created through
// the engine, so nothing is taped or leaked). Why: wasm has no Conv2DBackpropFilter, so the stock
// gradient of any conv (fused or not) throws there (docs/design/engine.md, item 1). With plca's own
// kernels installed (kernels/), Conv2DBackpropFilter and Conv2DBackpropInput are one GEMM each.
import * as tf from '@tensorflow/tfjs-core';
import { PlcaError } from '../util/errors.js';
import { convGeometry } from './conv_grad.js';
import { guardWasmHeap, type GuardedHeap } from './heap_guard.js';
import { convFilterGrad, convInputGrad, inputGradSupported, ownKernels } from './kernels/conv.js';

type Backend = tf.KernelBackend & { disposeData(id: object): boolean };

function runKernel(name: string, backend: Backend, inputs: Record<string, tf.TensorInfo>, attrs: object): tf.TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new PlcaError('PLCA_INTERNAL', `wasm kernel ${name} is not registered`);
  return k.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
}

/**
 * Conv2DBackpropFilter for wasm: one forward Conv2D of the input and the output gradient with
 * batch and channel axes swapped ([Ci, H, W, N] * [oh, ow, N, Co] → [Ci, kh, kw, Co]); the
 * original stride becomes the dilation. Same construction as `convFilterGrad`.
 */
function conv2DBackpropFilterWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as Backend;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const [kh, kw] = attrs.filterShape;
  const g = convGeometry(x.shape, attrs.filterShape, { ...attrs, dilations: 1 });
  const rt = ownKernels();
  if (rt && x.dtype === 'float32' && dy.dtype === 'float32') return convFilterGrad(rt, backend as never, x, dy, attrs.filterShape, g);
  const [, h, w] = x.shape;
  const temps: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo): tf.TensorInfo => { temps.push(t); return t; };
  try {
    let xt = keep(runKernel(tf.Transpose, backend, { x }, { perm: [3, 1, 2, 0] })); // [Ci, H, W, N]
    const dyt = keep(runKernel(tf.Transpose, backend, { x: dy }, { perm: [1, 2, 0, 3] })); // [oh, ow, N, Co]
    const b = kh - 1 + g.strideH * (g.outH - 1) + 1 - h - g.padTop;
    const r = kw - 1 + g.strideW * (g.outW - 1) + 1 - w - g.padLeft;
    if (b < 0 || r < 0) {
      // Rows/columns no output reads: crop them rather than pad negatively.
      const [ci, hh, ww, n] = xt.shape;
      xt = keep(runKernel(tf.Slice, backend, { x: xt }, { begin: [0, 0, 0, 0], size: [ci, hh + Math.min(0, b), ww + Math.min(0, r), n] }));
    }
    const pad = [[0, 0], [g.padTop, Math.max(0, b)], [g.padLeft, Math.max(0, r)], [0, 0]];
    const out = keep(runKernel(tf.Conv2D, backend, { x: xt, filter: dyt },
      { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [g.strideH, g.strideW] }));
    return runKernel(tf.Transpose, backend, { x: out }, { perm: [1, 2, 0, 3] }); // [kh, kw, Ci, Co]
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

/**
 * Identity that shares the input's buffer (reference-counted) instead of copying it, as the cpu
 * backend does. Why: the engine clones every tensor a gradient saves (83 Identity calls per step
 * of the reference step net), and wasm's stock Identity copies each one. Tensors are immutable
 * (variables swap buffers on assign), so sharing is safe.
 */
function identityShared(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  (args.backend as Backend & { incRef(id: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

type HeapBackend = Backend & {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
};

/**
 * Slice for wasm that copies maximal contiguous runs. Why: the stock kernel copies one run per
 * index of every axis but the last (a typed-array view allocated per run: a [4,64,64,32] crop
 * along H and W makes 16 384 copies of 32 floats, 4.6 ms), and ranks above 4 go through an
 * element-by-element loop. Here trailing axes taken whole merge into the run (the same crop is
 * 256 copies of 2048 floats), and runs move with `copyWithin` on the heap (no allocation).
 */
function sliceRuns(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as HeapBackend;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.SliceAttrs;
  if (x.dtype === 'string') return stockSlice!(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, attrs.begin, attrs.size);
  const out = backend.makeOutput(size, x.dtype);
  const total = tf.util.sizeFromShape(size);
  if (total === 0) return out;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  if (rank === 0) { dst[0] = src[0]; return out; }
  const strides = [...tf.util.computeStrides(x.shape), 1];
  // Innermost axis j whose run is contiguous: every axis after it is taken whole.
  let j = rank - 1;
  while (j > 0 && begin[j] === 0 && size[j] === x.shape[j]) j--;
  const run = size[j] * strides[j];
  // The whole heap as one typed array: copyWithin between the two tensors' offsets.
  const heap = new (src.constructor as Float32ArrayConstructor)(src.buffer);
  const srcBase = src.byteOffset / src.BYTES_PER_ELEMENT;
  const dstBase = dst.byteOffset / dst.BYTES_PER_ELEMENT;
  let start = srcBase + begin[j] * strides[j];
  for (let a = 0; a < j; a++) start += begin[a] * strides[a];
  const idx = new Array<number>(j).fill(0);
  for (let o = 0; o < total; o += run) {
    let off = start;
    for (let a = 0; a < j; a++) off += idx[a] * strides[a];
    heap.copyWithin(dstBase + o, off, off + run);
    for (let a = j - 1; a >= 0; a--) { // odometer over the outer axes
      if (++idx[a] < size[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

let stockSlice: tf.KernelFunc | undefined;
let stockConvInput: tf.KernelFunc | undefined;

/** Conv2DBackpropInput on plca's kernels where they take the geometry (the stock kernel is a scalar loop). */
function conv2DBackpropInputWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const rt = ownKernels();
  if (rt && dy.dtype === 'float32' && filter.dtype === 'float32' && attrs.dataFormat !== 'NCHW') {
    const g = convGeometry(attrs.inputShape, filter.shape, { ...attrs, dilations: 1 });
    if (inputGradSupported(filter.shape, g)) return convInputGrad(rt, args.backend as never, dy, filter, attrs.inputShape, g);
  }
  return stockConvInput!(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

let registered = false;

/** tfjs-backend-wasm's emscripten module, as far as the heap guard needs it (see kernels/install.ts). */
interface EmscriptenHeap extends GuardedHeap {
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
  HEAPU8?: Uint8Array;
}

/** Registers the missing and replaced wasm kernels (idempotent). Call once wasm is the backend. */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  const module = (tf.backend() as unknown as { wasm?: EmscriptenHeap }).wasm;
  if (module) guardWasmHeap(module, () => (module.asm?.memory ?? module.wasmMemory)?.buffer.byteLength ?? module.HEAPU8?.buffer.byteLength ?? 0);
  if (!tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')) {
    tf.registerKernel({ kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilterWasm as tf.KernelFunc });
  }
  const convInput = tf.getKernel(tf.Conv2DBackpropInput, 'wasm') as tf.KernelConfig | undefined;
  if (convInput) {
    stockConvInput = convInput.kernelFunc;
    tf.unregisterKernel(tf.Conv2DBackpropInput, 'wasm');
    tf.registerKernel({ kernelName: tf.Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2DBackpropInputWasm as tf.KernelFunc });
  }
  stockSlice = tf.getKernel(tf.Slice, 'wasm')?.kernelFunc;
  tf.unregisterKernel(tf.Slice, 'wasm');
  tf.registerKernel({ kernelName: tf.Slice, backendName: 'wasm', kernelFunc: sliceRuns as tf.KernelFunc });
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({ kernelName: tf.Identity, backendName: 'wasm', kernelFunc: identityShared as tf.KernelFunc });
}
