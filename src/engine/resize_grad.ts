// Bilinear resize as separable interpolation matrices, NHWC, and a ResizeBilinear gradient built
// on them. Why: the cpu and wasm ResizeBilinearGrad kernels ignore `halfPixelCenters`, so the
// gradient of PyTorch's align_corners=False resize (the reference's mode) is wrong in stock TF.js
// (docs/design/engine.md, item 3). y = A_h · x · A_wᵀ per image and channel, so ∂L/∂x = A_hᵀ · dy · A_w.
import * as tf from '@tensorflow/tfjs-core';
import { matmul } from './matmul.js';

/**
 * Dense [out, in] interpolation matrix of a 1-D bilinear resize. Source coordinate as TF and
 * PyTorch define it: alignCorners → dst·(in−1)/(out−1); halfPixel → (dst+0.5)·in/out − 0.5,
 * clamped at 0 (PyTorch's area_pixel_compute_source_index); else dst·in/out.
 */
export function interpolationMatrix(inSize: number, outSize: number, alignCorners: boolean, halfPixel: boolean): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    let src = halfPixel && !alignCorners ? (o + 0.5) * scale - 0.5 : o * scale;
    src = Math.max(0, src);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const lambda = src - i0;
    m[o * inSize + i0] += 1 - lambda;
    m[o * inSize + i1] += lambda;
  }
  return m;
}

/**
 * Gradient of a bilinear resize x [N, H, W, C] → [N, oh, ow, C] with respect to x, for the
 * upstream gradient dy [N, oh, ow, C]: A_hᵀ · dy · A_w applied per image and channel.
 */
export function resizeBilinearBackward(
  dy: tf.Tensor4D, inSize: [number, number], alignCorners: boolean, halfPixel: boolean,
): tf.Tensor4D {
  return tf.tidy((): tf.Tensor4D => {
    const [n, oh, ow, c] = dy.shape;
    const [h, w] = inSize;
    const ah = tf.tensor2d(interpolationMatrix(h, oh, alignCorners, halfPixel), [oh, h]);
    const aw = tf.tensor2d(interpolationMatrix(w, ow, alignCorners, halfPixel), [ow, w]);
    // Contract oh: A_hᵀ, A_h [oh, h], × [oh, N·ow·C] → [h, N·ow·C]
    const rows = tf.reshape<tf.Rank.R2>(tf.transpose(dy, [1, 0, 2, 3]), [oh, n * ow * c]);
    const t1 = tf.reshape(matmul(ah, rows, true, false), [h, n, ow, c]);
    // Contract ow: A_wᵀ, A_w [ow, w], × [ow, h·N·C] → [w, h·N·C]
    const cols = tf.reshape<tf.Rank.R2>(tf.transpose(t1, [2, 0, 1, 3]), [ow, h * n * c]);
    const t2 = tf.reshape(matmul(aw, cols, true, false), [w, h, n, c]);
    return tf.transpose(t2, [2, 1, 0, 3]) as tf.Tensor4D; // [N, h, w, C]
  });
}

/** Replaces the ResizeBilinear gradient for every backend with one that honours halfPixelCenters. */
export function registerResizeBilinearGradient(): void {
  tf.registerGradient({
    kernelName: tf.ResizeBilinear,
    inputsToSave: ['images'],
    gradFunc: (dy, saved, attrs) => {
      const [images] = saved as [tf.Tensor4D];
      const { alignCorners, halfPixelCenters } = attrs as unknown as tf.ResizeBilinearAttrs;
      const size: [number, number] = [images.shape[1], images.shape[2]];
      return { images: () => resizeBilinearBackward(dy as tf.Tensor4D, size, alignCorners, halfPixelCenters) };
    },
  });
}
