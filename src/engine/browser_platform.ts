// The engine in a browser: WebGPU where the browser exposes an adapter, else WebGL 2, else
// wasm (threaded when the page is cross-origin isolated), else the pure-JS cpu backend.
import * as tf from '@tensorflow/tfjs-core';
import type { EnginePlatform } from './platform.js';

interface GpuNavigator { gpu?: { requestAdapter(): Promise<unknown> } }

async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (globalThis.navigator as GpuNavigator | undefined)?.gpu;
  if (gpu === undefined) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

let wasmConfigured = false;

export const browserPlatform: EnginePlatform = {
  name: 'browser',
  auto: ['webgpu', 'webgl', 'wasm', 'cpu'],
  known: ['webgpu', 'webgl', 'wasm', 'cpu'],
  defaultThreads(): number {
    return globalThis.navigator?.hardwareConcurrency ?? 1;
  },
  async prepare(backend, { threads, wasmPaths }) {
    if (backend === 'webgpu') {
      if (!(await hasWebGpuAdapter())) return false;
      await import('@tensorflow/tfjs-backend-webgpu');
      return true;
    }
    if (backend === 'webgl') {
      await import('@tensorflow/tfjs-backend-webgl');
      return true;
    }
    if (backend === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (!wasmConfigured) {
        // The .wasm binaries are fetched at backend creation; a bundler serves them elsewhere.
        if (wasmPaths !== undefined) wasm.setWasmPaths(wasmPaths as string);
        // Threads need SharedArrayBuffer, i.e. a cross-origin isolated page (plca serve sends the headers).
        if (globalThis.crossOriginIsolated) wasm.setThreadsCount(threads);
        wasmConfigured = true;
      }
      return true;
    }
    return backend === 'cpu';
  },
  async describe(backend) {
    if (backend === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      return { threads: wasm.getThreadsCount(), simd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean, kernels: 'stock' };
    }
    return { threads: 1, simd: false, kernels: 'stock' };
  },
  unavailableHint(backend) {
    if (backend === 'webgpu') return 'this browser exposes no WebGPU adapter; use webgl or wasm';
    if (backend === 'tensorflow') return 'tfjs-node runs only in Node; in a browser use webgpu, webgl or wasm';
    return 'use backend "auto" to take the best available one';
  },
};
