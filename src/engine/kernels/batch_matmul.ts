// BatchMatMul for the wasm backend on plca's GEMM, every transpose combination and broadcast
// batch (one operand with batch 1). Why: tfjs-backend-wasm's BatchMatMul is XNNPACK only
// untransposed with batch 1 and a scalar loop otherwise (1-3.5 GFLOP/s, notes/engine.md item 4);
// matmul.ts worked around it with explicit transposes (a full copy each). Here a transposed
// operand is only another packing order, so no copy is made.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelRuntime } from './runtime.js';
import { A_DENSE, A_DENSE_T, B_DENSE, B_DENSE_T } from './views.js';

interface WasmBackend extends tf.KernelBackend {
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: tf.NamedAttrMap };

/** Registers BatchMatMul for wasm; shapes it does not take (other dtypes, mixed broadcast) go to the stock kernel. */
export function registerBatchMatMul(rt: KernelRuntime, enabled: () => boolean): void {
  const stock = tf.getKernel(tf.BatchMatMul, 'wasm')?.kernelFunc;
  if (!stock) return;
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel({
    kernelName: tf.BatchMatMul, backendName: 'wasm',
    kernelFunc: ((args: Args) => {
      const { a, b } = args.inputs;
      const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
      const backend = args.backend as WasmBackend;
      const outerA = a.shape.slice(0, -2);
      const outerB = b.shape.slice(0, -2);
      const batchA = tf.util.sizeFromShape(outerA);
      const batchB = tf.util.sizeFromShape(outerB);
      // one operand broadcast as a whole (batch 1), or equal batch shapes
      const simple = batchA === 1 || batchB === 1 || tf.util.arraysEqual(outerA, outerB);
      if (!enabled() || !simple || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) {
        return stock(args as Parameters<tf.KernelFunc>[0]);
      }
      const ra = a.shape.length; const rb = b.shape.length;
      const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
      const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
      const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
      const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
      if (k !== kb) throw new Error(`Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
      const batch = Math.max(batchA, batchB);
      const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
      const out = backend.makeOutput([...outer, m, n], 'float32');
      const pa = backend.dataIdMap.get(a.dataId)!.memoryOffset >>> 0;
      const pb = backend.dataIdMap.get(b.dataId)!.memoryOffset >>> 0;
      const pc = backend.dataIdMap.get(out.dataId)!.memoryOffset >>> 0;
      if (k === 0) {
        backend.typedArrayFromHeap(out).fill(0);
        return out;
      }
      const aView = { kind: transposeA ? A_DENSE_T : A_DENSE, ld: transposeA ? m : k };
      const bView = { kind: transposeB ? B_DENSE_T : B_DENSE, ld: transposeB ? k : n };
      if (batchB === 1 && !transposeA) {
        // b shared by every batch of an untransposed a: one [batch·M, K] × [K, N] product
        rt.gemm({ m: batch * m, n, k, a: { ...aView, ptr: pa }, b: { ...bView, ptr: pb }, c: { ptr: pc, ld: n } });
        return out;
      }
      for (let i = 0; i < batch; i++) {
        rt.gemm({
          m, n, k,
          a: { ...aView, ptr: pa + (batchA === 1 ? 0 : i * m * k * 4) },
          b: { ...bView, ptr: pb + (batchB === 1 ? 0 : i * k * n * 4) },
          c: { ptr: pc + i * m * n * 4, ld: n },
        });
      }
      return out;
    }) as tf.KernelFunc,
  });
}
