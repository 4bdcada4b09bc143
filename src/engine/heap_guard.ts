// Out-of-memory on the wasm heap as an error instead of silent corruption. Why: tfjs-backend-wasm
// allocates every tensor with the emscripten module's `_malloc` and does not check the result.
// When its heap (at most 4 GB) is exhausted, malloc returns 0 and the tensor is registered at
// address 0; the next kernel writes its output over the start of the heap (tfjs's and plca's own
// bookkeeping). A DeepLab-V2 R101 step at 513² did exactly that: plca's GEMM job descriptor, which
// lives near address 0, was overwritten by the gradient it was computing, and the kernel trapped
// with "divide by zero" on the garbage. Sizes of 4 GB and more wrap around in malloc's 32-bit
// argument and would return a block too small; both now throw PLCA_OUT_OF_MEMORY.
import { PlcaError } from '../util/errors.js';

/** What the guard needs of tfjs-backend-wasm's emscripten module. */
export interface GuardedHeap {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

/** Largest request malloc can represent: its argument is a 32-bit size_t. */
const MAX_REQUEST = 2 ** 32 - 1;
const guarded = new WeakSet<object>();

function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

/** The error for a failed allocation of `bytes` on a heap grown to `heapBytes`. */
export function heapExhausted(bytes: number, heapBytes: number): PlcaError {
  return new PlcaError('PLCA_OUT_OF_MEMORY',
    `the wasm heap is exhausted: cannot allocate ${mb(bytes)} MB for a tensor (the heap has grown to ${mb(heapBytes)} MB; wasm32 allows at most 4096 MB)`,
    { hint: 'use a smaller crop (data.crop) or batch (reach the batch with gradient accumulation, train.gradAccum), or --backend tensorflow (native, no 4 GB limit)' });
}

/**
 * Wraps `module._malloc` so that a failed allocation (0) or a request of 4 GB or more throws
 * PLCA_OUT_OF_MEMORY. `heapBytes` reports the heap's current size for the message. Idempotent.
 */
export function guardWasmHeap(module: GuardedHeap, heapBytes: () => number): void {
  if (guarded.has(module)) return;
  // emscripten's `_malloc` is a stub that replaces itself with the raw export on its first call;
  // call it once so that the function wrapped below is the final one.
  module._free(module._malloc(16));
  const raw = module._malloc.bind(module);
  module._malloc = (bytes: number): number => {
    if (bytes > MAX_REQUEST) throw heapExhausted(bytes, heapBytes());
    const p = raw(bytes);
    if (p === 0 && bytes > 0) throw heapExhausted(bytes, heapBytes());
    return p;
  };
  guarded.add(module);
}
