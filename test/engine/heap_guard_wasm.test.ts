// The wasm heap guard (src/engine/heap_guard.ts): an allocation the 4 GB heap cannot hold throws
// PLCA_OUT_OF_MEMORY instead of handing out address 0 (tfjs-backend-wasm does not check malloc;
// the tensor then lands on the start of the heap and the next kernel overwrites tfjs's and plca's
// bookkeeping: a DeepLab R101 step at 513² trapped with "divide by zero" in plca's GEMM that way).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { guardWasmHeap } from '../../src/engine/heap_guard.js';
import { PlcaError } from '../../src/util/errors.js';

type WasmBackend = tf.KernelBackend & {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
};

function expectOutOfMemory(f: () => unknown, mbText: RegExp): void {
  let err: unknown;
  try { f(); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(PlcaError);
  expect((err as PlcaError).code).toBe('PLCA_OUT_OF_MEMORY');
  expect((err as PlcaError).message).toMatch(mbText);
}

describe('wasm heap guard', () => {
  beforeAll(async () => { await initEngine({ backend: 'wasm', threads: 1 }); });

  it('refuses a tensor larger than the heap can grow to, and the engine keeps working', () => {
    const backend = tf.backend() as WasmBackend;
    // 4 GB less 64 bytes: representable as a malloc size, but the heap already holds more than 64 bytes.
    expectOutOfMemory(() => backend.makeOutput([2 ** 30 - 16], 'float32'), /cannot allocate 4096\.0 MB for a tensor/);
    // 4 GB exactly would wrap to malloc(0) (a small valid block) without the guard.
    expectOutOfMemory(() => backend.makeOutput([2 ** 30], 'float32'), /cannot allocate 4096\.0 MB/);
    const y = tf.add(tf.tensor1d([1, 2, 3]), tf.tensor1d([10, 20, 30]));
    expect(Array.from(y.dataSync())).toEqual([11, 22, 33]);
    const out = backend.makeOutput([1024], 'float32');
    expect(backend.dataIdMap.get(out.dataId)!.memoryOffset).toBeGreaterThan(0);
    backend.disposeData(out.dataId);
  });

  it('throws on malloc returning 0 and wraps the final malloc, not emscripten\'s self-replacing stub', () => {
    let budget = 3;
    const raw = (bytes: number): number => (bytes <= budget * 1024 ? 4096 : 0);
    const module: { _malloc(bytes: number): number; _free(p: number): void } = {
      // emscripten's stub: replaces itself with the raw export on first use
      _malloc(bytes: number) { module._malloc = raw; return raw(bytes); },
      _free() { /* nothing */ },
    };
    guardWasmHeap(module, () => 123 * 2 ** 20);
    expect(module._malloc(1024)).toBe(4096);
    expectOutOfMemory(() => module._malloc(8 * 1024), /cannot allocate 0\.0 MB.*grown to 123\.0 MB/);
    budget = 10;
    expect(module._malloc(8 * 1024)).toBe(4096);
    expect(module._malloc(0)).toBe(4096);
  });
});
