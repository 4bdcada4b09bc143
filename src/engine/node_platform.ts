// The engine in Node: tfjs-node when the user installed it, else wasm with SIMD and one thread
// per core (wasm_threads.ts); cpu is the pure-JS reference backend.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { installOwnKernels } from './kernels/install.js';
import type { EnginePlatform } from './platform.js';
import { registerThreadedWasm, unrefWorkers } from './wasm_threads.js';

/** True when `@tensorflow/tfjs-node` (or -gpu) can be loaded; never installed by plca. */
async function loadTfjsNode(): Promise<boolean> {
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(/* @vite-ignore */ name);
      return true;
    } catch {
      // not installed (or its native library is missing): try the next, then fall back to wasm
    }
  }
  return false;
}

let wasmRegistered = false;

export const nodePlatform: EnginePlatform = {
  name: 'node',
  auto: ['tensorflow', 'wasm'],
  known: ['tensorflow', 'wasm', 'cpu'],
  defaultThreads(): number {
    const env = Number(process.env.PLCA_THREADS);
    if (Number.isFinite(env) && env >= 1) return env;
    return process.env.VITEST ? 1 : availableParallelism();
  },
  async prepare(backend, { threads }) {
    if (backend === 'tensorflow') return loadTfjsNode();
    if (backend === 'wasm' && !wasmRegistered) {
      // The threaded build is used from 2 threads on; 1 keeps tfjs's own single-threaded SIMD build.
      if (threads > 1) await registerThreadedWasm(threads);
      else await import('@tensorflow/tfjs-backend-wasm');
      wasmRegistered = true;
    }
    return backend === 'wasm' || backend === 'cpu';
  },
  async describe(backend) {
    if (backend === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const threads = wasm.getThreadsCount();
      const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
      const kernels = await installOwnKernels(threads);
      unrefWorkers();
      return { threads, simd, kernels };
    }
    return { threads: backend === 'tensorflow' ? availableParallelism() : 1, simd: false, kernels: 'stock' };
  },
  unavailableHint(backend) {
    if (backend === 'tensorflow') return 'install @tensorflow/tfjs-node, or use --backend wasm';
    if (backend === 'webgl' || backend === 'webgpu') return `${backend} runs in a browser (plca serve); in Node use wasm, cpu or tensorflow`;
    return 'use --backend wasm or cpu';
  },
};
