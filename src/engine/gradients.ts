// Installs the engine's gradient replacements into tfjs-core's (process-global) gradient registry.
import * as tf from '@tensorflow/tfjs-core';
import { registerConv2dGradient } from './conv_grad.js';
import { registerResizeBilinearGradient } from './resize_grad.js';
import { registerBatchMatMulGradient } from './matmul.js';
import { reluGrad } from './kernels/channel.js';

let installed = false;

/**
 * ReLU's gradient dy·[x > 0]: one pass with plca's wasm kernels (the stock Step + Multiply is two
 * full-size kernels and an extra allocation per ReLU), the stock formula elsewhere.
 */
function registerReluGradient(): void {
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const g = dy as tf.Tensor;
      return { x: () => reluGrad(g, x) ?? tf.mul(g, tf.cast(tf.step(x), 'float32')) };
    },
  });
}

/**
 * Replaces the Conv2D (any stride and dilation), ResizeBilinear (honours halfPixelCenters),
 * BatchMatMul (fast products on wasm) and Relu (one pass on wasm) gradients for every backend.
 * Idempotent.
 */
export function installGradients(): void {
  if (installed) return;
  registerConv2dGradient();
  registerResizeBilinearGradient();
  registerBatchMatMulGradient();
  registerReluGradient();
  installed = true;
}
