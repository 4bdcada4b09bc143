// What the engine's memory looks like, for out-of-memory reports (src/util/out_of_memory.ts).
import * as tf from '@tensorflow/tfjs-core';

interface WasmModuleMemory { wasm?: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory }; HEAPU8?: Uint8Array } }

/** The wasm heap's current size in MB (it only grows, so this is its peak), or null on other backends. */
export function wasmHeapMB(): number | null {
  let b: WasmModuleMemory;
  try {
    b = tf.backend() as unknown as WasmModuleMemory;
  } catch {
    return null;
  }
  const bytes = (b.wasm?.asm?.memory ?? b.wasm?.wasmMemory)?.buffer.byteLength ?? b.wasm?.HEAPU8?.buffer.byteLength;
  return bytes === undefined ? null : Math.round(bytes / 2 ** 20);
}

/**
 * An allocation the engine cannot make (debug.injectOomAtStep): on wasm a 4 GB tensor, which
 * the heap guard refuses before allocating anything (the same path as an exhausted heap); on
 * other backends the RangeError V8 throws when an array buffer cannot be allocated.
 */
export function failAllocation(): never {
  if (tf.getBackend() === 'wasm') {
    tf.zeros([2 ** 30]).dispose(); // 2³² bytes: above malloc's 32-bit size, refused by the guard
  }
  throw new RangeError('Array buffer allocation failed');
}
