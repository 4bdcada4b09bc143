// The wasm Slice override (src/engine/wasm_kernels.ts, copies maximal contiguous runs) against
// plain index arithmetic, over ranks 1–6, every dtype it serves, whole / partial / empty axes.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';

/** The slice by definition: out[i] = x[begin + i], on row-major flat arrays. */
function referenceSlice(vals: ArrayLike<number>, shape: number[], begin: number[], size: number[]): number[] {
  const strides = tf.util.computeStrides(shape);
  const out: number[] = [];
  const total = size.reduce((a, b) => a * b, 1);
  for (let o = 0; o < total; o++) {
    let rem = o;
    let off = 0;
    for (let a = shape.length - 1; a >= 0; a--) {
      const i = rem % size[a];
      rem = Math.floor(rem / size[a]);
      off += (begin[a] + i) * (a === shape.length - 1 ? 1 : strides[a]);
    }
    out.push(vals[off]);
  }
  return out;
}

describe('wasm Slice (contiguous runs)', () => {
  beforeAll(async () => { await initEngine({ backend: 'wasm', threads: 1 }); });

  it('is the kernel wasm runs', () => {
    expect(tf.getBackend()).toBe('wasm');
  });

  it('equals the definition on random shapes, begins and sizes (ranks 1–6, float32 / int32 / bool)', () => {
    let s = 12345;
    const rnd = (k: number): number => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s % k; };
    const before = tf.memory().numTensors;
    for (let trial = 0; trial < 150; trial++) {
      const rank = 1 + rnd(6);
      const shape = Array.from({ length: rank }, () => 1 + rnd(5));
      const begin = shape.map((d) => rnd(d));
      // whole axes often (they merge into the run), partial ones, and now and then an empty one
      const size = shape.map((d, a) => (rnd(3) === 0 ? d - begin[a] : rnd(8) === 0 ? 0 : 1 + rnd(d - begin[a])));
      for (let a = 0; a < rank; a++) if (rnd(2) === 0 && begin[a] === 0) size[a] = shape[a];
      const n = shape.reduce((a, b) => a * b, 1);
      const dtype = (['float32', 'int32', 'bool'] as const)[trial % 3];
      const vals = Array.from({ length: n }, (_, i) => (dtype === 'bool' ? (i * 7) % 3 === 0 ? 1 : 0 : i * 1.5 - 7));
      const x = tf.tensor(dtype === 'int32' ? vals.map(Math.round) : vals, shape, dtype);
      const y = tf.slice(x, begin, size);
      expect(y.shape).toEqual(size);
      const want = referenceSlice(dtype === 'int32' ? vals.map(Math.round) : vals, shape, begin, size);
      expect(Array.from(y.dataSync()), `${dtype} shape ${shape} begin ${begin} size ${size}`).toEqual(want);
      tf.dispose([x, y]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('handles -1 sizes, and strings through the stock kernel', () => {
    const x = tf.tensor3d(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
    expect(Array.from(tf.slice(x, [1, 1, 0], [-1, -1, 2]).dataSync())).toEqual([16, 17, 20, 21]);
    expect(tf.slice(tf.tensor1d(['a', 'b', 'c'], 'string'), [1], [2]).arraySync()).toEqual(['b', 'c']);
  });
});
