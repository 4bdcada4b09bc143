import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { PlcaError } from '../util/errors.js';
import { installGradients } from './gradients.js';
import { registerWasmKernels } from './wasm_kernels.js';

export type BackendName = 'auto' | 'wasm' | 'cpu' | 'tensorflow';

export interface EngineOptions {
  /** @default 'auto' (tfjs-node when installed, else wasm) */
  backend?: BackendName;
  /** wasm threads. @default number of cores */
  threads?: number;
}

export interface EngineInfo {
  backend: string;
  threads: number;
  simd: boolean;
}

let current: EngineInfo | undefined;

/** The engine in use, or undefined before `initEngine`. */
export function engineInfo(): EngineInfo | undefined {
  return current;
}

/** Sets up the TF.js backend. Idempotent for the same backend. */
export async function initEngine(opts: EngineOptions = {}): Promise<EngineInfo> {
  const want = opts.backend ?? 'auto';
  const name = want === 'auto' ? 'wasm' : want;
  if (current && current.backend === name) return current;
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
  } else if (name === 'tensorflow') {
    throw new PlcaError('PLCA_BACKEND_UNAVAILABLE', 'backend "tensorflow" needs @tensorflow/tfjs-node, which is not installed', {
      hint: 'install @tensorflow/tfjs-node, or use --backend wasm',
    });
  }
  // tfjs-core registers no gradients by itself; the @tensorflow/tfjs bundle registers the stock
  // ones into the same (CJS) tfjs-core instance. Ours must be installed after it, to replace.
  await import('@tensorflow/tfjs');
  installGradients();
  const ok = await tf.setBackend(name);
  if (!ok) throw new PlcaError('PLCA_BACKEND_UNAVAILABLE', `TF.js backend "${name}" could not be initialised`);
  await tf.ready();
  // The cpu backend prints an advert for tfjs-node on its first write; plca picks its own backend.
  if (name === 'cpu') (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  if (name === 'wasm') registerWasmKernels();
  current = { backend: tf.getBackend(), threads: 1, simd: name === 'wasm' };
  return current;
}
