// Backend setup: picks the TF.js backend for the platform (platform.ts: Node's or the browser's)
// and installs the engine's gradient and kernel fixes (docs/design/engine.md) so that every backend
// trains our networks correctly.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { PlcaError } from '../util/errors.js';
import { installGradients } from './gradients.js';
import { installTapeRelease } from './tape_release.js';
import { enginePlatform } from './platform.js';
import { registerWasmKernels } from './wasm_kernels.js';
import type { KernelChoice } from './kernels/loader.js';

/** Node: tensorflow (tfjs-node), wasm, cpu; a browser: webgpu, webgl, wasm, cpu. */
export type BackendName = 'auto' | 'wasm' | 'cpu' | 'tensorflow' | 'webgl' | 'webgpu';

export interface EngineOptions {
  /** @default 'auto' (Node: tfjs-node when installed, else wasm; browser: webgpu, else webgl, else wasm) */
  backend?: BackendName;
  /**
   * wasm threads; 1 uses the single-threaded SIMD build.
   * @default `PLCA_THREADS` if set, else 1 under vitest (test files already run in parallel
   * forks, and XNNPACK's pool spin-waits, so threads in tests only oversubscribe the cores),
   * else the number of cores
   */
  threads?: number;
  /** Browser only: where the tfjs-backend-wasm `.wasm` files are served (a prefix or a file → URL map). */
  wasmPaths?: string | Record<string, string>;
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

/** The engine in use, or undefined before `initEngine`. */
export function engineInfo(): EngineInfo | undefined {
  return current;
}

/**
 * Sets up the TF.js backend and installs the engine's gradient fixes. Idempotent for the same
 * backend; backends are process-global, so a second backend in one process replaces the first
 * (and wasm's thread count is fixed once wasm has been created).
 */
export async function initEngine(opts: EngineOptions = {}): Promise<EngineInfo> {
  const want = opts.backend ?? 'auto';
  if (current && (want === current.backend || (want === 'auto' && current.backend !== 'cpu'))) return current;
  const platform = enginePlatform();
  const threads = Math.max(1, Math.floor(opts.threads ?? platform.defaultThreads()));
  // tfjs-core registers no gradients by itself; the @tensorflow/tfjs bundle registers the stock
  // ones into the same tfjs-core instance. Ours must be installed after it, to replace.
  await import('@tensorflow/tfjs');
  installGradients();
  // the backward pass frees each node's gradients and saved tensors once it is done with them
  installTapeRelease();
  if (want !== 'auto' && !platform.known.includes(want)) throw unavailable(want, `is not available in ${platform.name === 'node' ? 'Node' : 'a browser'}`);
  let name: string | undefined;
  for (const candidate of want === 'auto' ? platform.auto : [want]) {
    if (await platform.prepare(candidate, { threads, wasmPaths: opts.wasmPaths })) {
      // A backend whose factory fails (no WebGL context, say) makes setBackend return false.
      if (await tf.setBackend(candidate)) {
        name = candidate;
        break;
      }
      if (want !== 'auto') throw unavailable(want, 'could not be initialised');
    } else if (want !== 'auto') {
      throw unavailable(want, want === 'tensorflow' ? 'needs @tensorflow/tfjs-node, which is not installed' : 'is not available here');
    }
  }
  if (name === undefined) throw unavailable('auto', `found none of ${platform.auto.join(', ')}`);
  await tf.ready();
  if (name === 'wasm') registerWasmKernels();
  else if (name === 'cpu') {
    // The cpu backend prints an advert for tfjs-node on its first write; plca picks its own backend.
    (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  }
  current = { backend: tf.getBackend(), ...(await platform.describe(name)) };
  return current;
}

function unavailable(backend: string, why: string): PlcaError {
  return new PlcaError('PLCA_BACKEND_UNAVAILABLE', `TF.js backend "${backend}" ${why}`, {
    hint: enginePlatform().unavailableHint(backend),
  });
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
