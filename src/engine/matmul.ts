// Matrix products that always reach wasm's fast (XNNPACK) kernel. Why: wasm BatchMatMul is fast
// only with no transposes and batch 1; every other case falls to a scalar loop at 1–3.5 GFLOP/s
// (docs/design/engine.md, item 4). The association loss is made of exactly such products
// ([N, HW, C] × [N, C, HW']), and the stock BatchMatMul gradient produces transposed ones.
import * as tf from '@tensorflow/tfjs-core';
import { PlcaError } from '../util/errors.js';
import { ownKernels } from './kernels/conv.js';

function swapLast2(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
}

/** Per-batch product of two rank-3 operands without transposes; either batch may be 1 (broadcast). */
function batchedFast(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const [na, m, k] = a.shape;
  const [nb, , p] = b.shape;
  if (nb === 1) {
    // b shared: one [N·M, K] × [K, P] product.
    const out = tf.matMul(tf.reshape(a, [na * m, k]), tf.reshape(b, [k, p]));
    return tf.reshape(out, [na, m, p]);
  }
  const n = Math.max(na, nb);
  const parts: tf.Tensor3D[] = [];
  for (let i = 0; i < n; i++) {
    const ai = na === 1 ? a : tf.slice(a, [i, 0, 0], [1, m, k]);
    const bi = tf.slice(b, [i, 0, 0], [1, k, p]);
    parts.push(tf.matMul(ai, bi));
  }
  return tf.concat(parts, 0);
}

/**
 * Matrix product of rank-2 or rank-3 operands ([N, M, K] × [N, K, P], batch 1 broadcasts), with
 * optional transposes. On wasm, transposes are made explicit and batches are split so every
 * product reaches the fast kernel; elsewhere it is `tf.matMul`.
 * @param a [M, K] or [N, M, K] (or the transposed shape with `transposeA`)
 * @param b [K, P] or [N, K, P] (or the transposed shape with `transposeB`)
 */
export function matmul<T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: T, transposeA = false, transposeB = false): T {
  if (a.rank !== b.rank || (a.rank !== 2 && a.rank !== 3)) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT',
      `Error in matmul: operands must both be rank 2 or both rank 3, got shapes [${a.shape}] and [${b.shape}]`);
  }
  // plca's wasm kernels take every transpose and broadcast batch directly (kernels/batch_matmul.ts)
  if (tf.getBackend() !== 'wasm' || ownKernels()) return tf.matMul(a, b, transposeA, transposeB) as T;
  return tf.tidy(() => {
    const a2 = transposeA ? swapLast2(a) : a;
    const b2 = transposeB ? swapLast2(b) : b;
    const ka = a2.shape[a2.rank - 1];
    const kb = b2.shape[b2.rank - 2];
    if (ka !== kb) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT',
        `Error in matmul: inner dimensions differ (${ka} vs ${kb}) for shapes [${a.shape}] and [${b.shape}]`);
    }
    if (a2.rank === 2) return tf.matMul(a2, b2) as T;
    return batchedFast(a2 as tf.Tensor3D, b2 as tf.Tensor3D) as T;
  });
}

/**
 * Replaces the BatchMatMul gradient with one whose products go through `matmul` (the stock one
 * multiplies with transposes, which is the slow path on wasm). Rank-3 kernel operands only, as
 * tfjs-core's matMul reshapes to rank 3 before the kernel; broadcast batches are summed back.
 */
export function registerBatchMatMulGradient(): void {
  tf.registerGradient({
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as [tf.Tensor3D, tf.Tensor3D];
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      const g = dy as tf.Tensor3D;
      // Operands of rank > 3 (tfjs allows them) keep the stock product.
      const mm = (x: tf.Tensor3D, y: tf.Tensor3D, tx: boolean, ty: boolean): tf.Tensor =>
        (x.rank <= 3 && y.rank <= 3 ? matmul(x, y, tx, ty) : tf.matMul(x, y, tx, ty));
      // dA = dy·Bᵀ (or its transpose), dB = Aᵀ·dy (or its transpose), as the stock gradient.
      const da = (): tf.Tensor => (transposeA
        ? (transposeB ? mm(b, g, true, true) : mm(b, g, false, true))
        : (transposeB ? mm(g, b, false, false) : mm(g, b, false, true)));
      const db = (): tf.Tensor => (transposeB
        ? (transposeA ? mm(g, a, true, true) : mm(g, a, true, false))
        : (transposeA ? mm(a, g, false, false) : mm(a, g, true, false)));
      return { a: () => sumToShape(da(), a.shape), b: () => sumToShape(db(), b.shape) };
    },
  });
}

/** Sums a broadcast batch axis back to the operand's shape. */
function sumToShape(x: tf.Tensor, shape: number[]): tf.Tensor {
  if (x.rank !== 3 || x.shape[0] === shape[0]) return x;
  return tf.reshape(tf.sum(x, 0, true), shape);
}
