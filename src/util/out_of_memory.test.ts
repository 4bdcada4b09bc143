import { describe, expect, it } from 'vitest';
import { toPlcaError } from '../cli/errors.js';
import { PlcaError } from './errors.js';
import { isOutOfMemory, outOfMemoryError } from './out_of_memory.js';

describe('isOutOfMemory', () => {
  it('knows every way the engine and V8 report an exhausted memory, also as a cause', () => {
    const oom = [
      new PlcaError('PLCA_OUT_OF_MEMORY', 'the wasm heap is exhausted'),
      new WebAssembly.RuntimeError('Aborted(Cannot enlarge memory arrays to size 4294967296 bytes (OOM).)'),
      new WebAssembly.RuntimeError('Aborted(OOM)'),
      new WebAssembly.RuntimeError('memory access out of bounds'),
      new RangeError('Array buffer allocation failed'),
      new RangeError('WebAssembly.Memory(): could not allocate memory'),
      new Error('step failed', { cause: new WebAssembly.RuntimeError('memory access out of bounds') }),
    ];
    for (const e of oom) expect(isOutOfMemory(e), String(e)).toBe(true);
    const other = [new PlcaError('PLCA_NAN_LOSS', 'out of memory? no: NaN'), new Error('divide by zero'), new TypeError('x is undefined'), 'boom'];
    for (const e of other) expect(isOutOfMemory(e), String(e)).toBe(false);
  });
});

describe('outOfMemoryError', () => {
  it('is one line with the peak and what became of the run, and the hint names the remedies', () => {
    const e = outOfMemoryError(new WebAssembly.RuntimeError('Aborted(OOM)\n    at glue.js:1'), 'update 2 of net (crop 730×730, batch 1)',
      { peakRssMB: 3900, heapMB: 4090 }, 'the last checkpoint is run/step_1.ckpt');
    expect(e.code).toBe('PLCA_OUT_OF_MEMORY');
    expect(e.message).toBe('out of memory in update 2 of net (crop 730×730, batch 1) (peak RSS 3900 MB, wasm heap 4090 MB of 4096 MB): Aborted(OOM); the last checkpoint is run/step_1.ckpt');
    for (const w of ['data.crop', 'train.gradAccum', 'train.recompute', '--backend tensorflow']) expect(e.hint).toContain(w);
  });

  it('the CLI maps a raw engine failure to it, not to PLCA_INTERNAL', () => {
    const e = toPlcaError(new WebAssembly.RuntimeError('memory access out of bounds'));
    expect(e.code).toBe('PLCA_OUT_OF_MEMORY');
    expect(e.message).toMatch(/^out of memory in the engine \(peak RSS \d+ MB\): memory access out of bounds; stopped$/);
    expect(toPlcaError(new Error('divide by zero')).code).toBe('PLCA_INTERNAL');
  });
});
