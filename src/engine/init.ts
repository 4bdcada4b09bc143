// Backend setup: picks the TF.js backend, enables wasm threads in Node, and installs the engine's
// gradient and kernel fixes (notes/engine.md) so that every backend trains our networks correctly.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { PlcaError } from '../util/errors.js';
import { installGradients } from './gradients.js';
import { registerWasmKernels } from './wasm_kernels.js';
import { installOwnKernels } from './kernels/install.js';
import type { KernelChoice } from './kernels/loader.js';
import { registerThreadedWasm, unrefWorkers } from './wasm_threads.js';

export type BackendName = 'auto' | 'wasm' | 'cpu' | 'tensorflow';

export interface EngineOptions {
  /** @default 'auto' (tfjs-node when installed, else wasm) */
  backend?: BackendName;
  /**
   * wasm threads; 1 uses the single-threaded SIMD build.
   * @default `PLCA_THREADS` if set, else 1 under vitest (test files already run in parallel
   * forks, and XNNPACK's pool spin-waits, so threads in tests only oversubscribe the cores),
   * else the number of cores
   */
  threads?: number;
}

export interface EngineInfo {
  backend: string;
  /** threads the backend computes with (wasm: the pthread pool size it reports) */
  threads: number;
  simd: boolean;
  /**
   * Convolution kernels on wasm: plca's own with relaxed-SIMD fused multiply-add or with plain
   * SIMD128 (chosen at start-up by what the runtime compiles; `PLCA_KERNELS` forces one), or
   * tfjs's stock kernels ('stock', also on every other backend).
   */
  kernels: KernelChoice;
}

let current: EngineInfo | undefined;
let wasmRegistered = false;

/** The engine in use, or undefined before `initEngine`. */
export function engineInfo(): EngineInfo | undefined {
  return current;
}

function defaultThreads(): number {
  const env = Number(process.env.PLCA_THREADS);
  if (Number.isFinite(env) && env >= 1) return env;
  return process.env.VITEST ? 1 : availableParallelism();
}

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

async function setupWasm(threads: number): Promise<void> {
  // The threaded build is used from 2 threads on; 1 keeps tfjs's own single-threaded SIMD build.
  if (threads > 1) await registerThreadedWasm(threads);
  else await import('@tensorflow/tfjs-backend-wasm');
}

/**
 * Sets up the TF.js backend and installs the engine's gradient fixes. Idempotent for the same
 * backend; backends are process-global, so a second backend in one process replaces the first
 * (and wasm's thread count is fixed once wasm has been created).
 */
export async function initEngine(opts: EngineOptions = {}): Promise<EngineInfo> {
  const want = opts.backend ?? 'auto';
  if (current && (want === current.backend || (want === 'auto' && current.backend !== 'cpu'))) return current;
  const threads = Math.max(1, Math.floor(opts.threads ?? defaultThreads()));
  // tfjs-core registers no gradients by itself; the @tensorflow/tfjs bundle registers the stock
  // ones into the same (CJS) tfjs-core instance. Ours must be installed after it, to replace.
  await import('@tensorflow/tfjs');
  installGradients();
  let name: string = want;
  if (want === 'auto') name = (await loadTfjsNode()) ? 'tensorflow' : 'wasm';
  else if (want === 'tensorflow' && !(await loadTfjsNode())) {
    throw new PlcaError('PLCA_BACKEND_UNAVAILABLE', 'backend "tensorflow" needs @tensorflow/tfjs-node, which is not installed', {
      hint: 'install @tensorflow/tfjs-node, or use --backend wasm',
    });
  }
  if (name === 'wasm' && !wasmRegistered) {
    await setupWasm(threads);
    wasmRegistered = true;
  }
  if (!(await tf.setBackend(name))) {
    throw new PlcaError('PLCA_BACKEND_UNAVAILABLE', `TF.js backend "${name}" could not be initialised`);
  }
  await tf.ready();
  current = { backend: tf.getBackend(), threads: 1, simd: false, kernels: 'stock' };
  if (name === 'wasm') {
    registerWasmKernels();
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    current.threads = wasm.getThreadsCount();
    current.simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
    current.kernels = await installOwnKernels(current.threads);
    unrefWorkers();
  } else if (name === 'cpu') {
    // The cpu backend prints an advert for tfjs-node on its first write; plca picks its own backend.
    (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  } else if (name === 'tensorflow') {
    current.threads = availableParallelism();
  }
  return current;
}

/**
 * Ends the process after flushing stdout/stderr. Commands call this when done: wasm's pthread
 * workers may otherwise keep Node's event loop alive.
 */
export function exitEngine(code = 0): void {
  process.exitCode = code;
  const done = (): void => process.exit(code);
  // Exit once both streams have drained what was written before.
  let pending = 2;
  const one = (): void => { if (--pending === 0) done(); };
  process.stdout.write('', one);
  process.stderr.write('', one);
}
