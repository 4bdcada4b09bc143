// Starts plca's own wasm kernels on the wasm backend: picks the variant (loader.ts), binds a
// runtime to tfjs's heap (the Memory object and its malloc) and registers the kernels.
import * as tf from '@tensorflow/tfjs-core';
import { PlcaError } from '../../util/errors.js';
import { registerChannelKernels } from './channel.js';
import { registerBatchMatMul } from './batch_matmul.js';
import { registerConvKernels, installedKernels, ownKernels } from './conv.js';
import { chooseVariant, type KernelChoice } from './loader.js';
import { registerMaxPoolGrad } from './max_pool.js';
import { KernelRuntime, type HeapModule } from './runtime.js';

/** tfjs-backend-wasm's emscripten module: the single-threaded build exports its memory (asm.memory);
 *  the threaded build imports a shared one, which emscripten keeps as `wasmMemory`. */
interface EmscriptenModule extends HeapModule {
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
}

/**
 * Installs the kernels on the current (wasm) backend with `threads` threads (1 unless tfjs runs
 * its threaded build, whose memory is shared) and returns the variant in use. Idempotent.
 */
export async function installOwnKernels(threads: number): Promise<KernelChoice> {
  const existing = installedKernels();
  if (existing) return existing.variant;
  const choice = await chooseVariant();
  if (choice === 'stock') return choice;
  const module = (tf.backend() as unknown as { wasm?: EmscriptenModule }).wasm;
  const memory = module?.asm?.memory ?? module?.wasmMemory;
  if (!module || !(memory instanceof WebAssembly.Memory)) {
    throw new PlcaError('PLCA_BACKEND_UNAVAILABLE', 'cannot find tfjs-backend-wasm\'s memory to run plca\'s kernels on',
      { hint: 'PLCA_KERNELS=stock runs with tfjs\'s own kernels' });
  }
  const rt = await KernelRuntime.create(choice, memory, module, threads);
  registerChannelKernels(rt);
  registerConvKernels(rt);
  registerBatchMatMul(rt, () => ownKernels() !== undefined);
  registerMaxPoolGrad(rt, () => ownKernels() !== undefined);
  return choice;
}
