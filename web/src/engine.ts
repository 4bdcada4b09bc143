// Engine start-up shared by the pages and the training worker: the backend from `?backend=`
// (auto by default: WebGPU, else WebGL, else wasm), with the wasm binaries served by Vite.
import { initEngine, type BackendName, type EngineInfo } from '../../src/browser.js';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export const BACKENDS: readonly BackendName[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

export const WASM_PATHS: Record<string, string> = {
  'tfjs-backend-wasm.wasm': new URL(wasmPlain, location.href).href,
  'tfjs-backend-wasm-simd.wasm': new URL(wasmSimd, location.href).href,
  'tfjs-backend-wasm-threaded-simd.wasm': new URL(wasmThreaded, location.href).href,
};

/** `?backend=` of the page, or auto. */
export function requestedBackend(search = location.search): BackendName {
  const b = new URLSearchParams(search).get('backend');
  return (BACKENDS as readonly string[]).includes(b ?? '') ? b as BackendName : 'auto';
}

export function startEngine(backend: BackendName): Promise<EngineInfo> {
  return initEngine({ backend, wasmPaths: WASM_PATHS });
}

/** A short description of the engine for the page. */
export function describeEngine(e: EngineInfo): string {
  if (e.backend === 'wasm') return `wasm (${e.threads} thread${e.threads === 1 ? '' : 's'}${e.simd ? ', SIMD' : ''})`;
  return e.backend;
}
