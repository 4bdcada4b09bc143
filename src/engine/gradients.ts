// Installs the engine's gradient replacements into tfjs-core's (process-global) gradient registry.
import { registerConv2dGradient } from './conv_grad.js';
import { registerResizeBilinearGradient } from './resize_grad.js';
import { registerBatchMatMulGradient } from './matmul.js';

let installed = false;

/**
 * Replaces the Conv2D (any stride and dilation), ResizeBilinear (honours halfPixelCenters) and
 * BatchMatMul (fast products on wasm) gradients for every backend. Idempotent.
 */
export function installGradients(): void {
  if (installed) return;
  registerConv2dGradient();
  registerResizeBilinearGradient();
  registerBatchMatMulGradient();
  installed = true;
}
