// MaxPoolGrad for the wasm backend on plca's kernel module (csrc/kernels/pool.c). Why: the stock
// kernel is a scalar loop (22 ms for ResNet's stem pool at a 193² crop, ~150 ms at 513²).
import * as tf from '@tensorflow/tfjs-core';
import type { KernelRuntime } from './runtime.js';

interface WasmBackend extends tf.KernelBackend {
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

type Args = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: tf.NamedAttrMap };

/** Registers MaxPoolGrad for wasm (float32, no dilation); anything else goes to the stock kernel. */
export function registerMaxPoolGrad(rt: KernelRuntime, enabled: () => boolean): void {
  const stock = (tf.getKernel(tf.MaxPoolGrad, 'wasm') as tf.KernelConfig | undefined)?.kernelFunc;
  if (!stock) return;
  tf.unregisterKernel(tf.MaxPoolGrad, 'wasm');
  tf.registerKernel({
    kernelName: tf.MaxPoolGrad, backendName: 'wasm',
    kernelFunc: ((args: Args) => {
      const { dy, input } = args.inputs;
      const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
      const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
      if (!enabled() || input.dtype !== 'float32' || dy.dtype !== 'float32' || info.dilationHeight !== 1 || info.dilationWidth !== 1) {
        return stock(args as Parameters<tf.KernelFunc>[0]);
      }
      const b = args.backend as WasmBackend;
      const dx = b.makeOutput(input.shape, 'float32');
      const at = (t: tf.TensorInfo) => (b.dataIdMap.get(t.dataId)?.memoryOffset ?? 0) >>> 0;
      rt.maxPoolGrad({
        n: info.batchSize, h: info.inHeight, w: info.inWidth, c: info.inChannels, oh: info.outHeight, ow: info.outWidth,
        kh: info.filterHeight, kw: info.filterWidth, sh: info.strideHeight, sw: info.strideWidth,
        padTop: info.padInfo.top, padLeft: info.padInfo.left,
      }, at(input), at(dy), at(dx));
      return dx;
    }) as tf.KernelFunc,
  });
}
