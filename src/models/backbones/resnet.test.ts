import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../engine/index.js';
import { ceilPoolOut, maxPoolCeil } from './resnet.js';

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
});

describe('ceilPoolOut', () => {
  it('follows PyTorch ceil_mode sizes, including the dropped last window', () => {
    // 3×3/2 pad 1: ceil((n − 1)/2) + 1 — one more than floor mode for even n.
    expect([4, 5, 48, 365].map((n) => ceilPoolOut(n, 3, 2, 1))).toEqual([3, 3, 25, 183]);
    // k 2, s 3, p 1, n 4: ceil(4/3) + 1 = 3, but window 3 would start at 6 ≥ 4 + 1 → 2.
    expect(ceilPoolOut(4, 2, 3, 1)).toBe(2);
  });
});

describe('maxPoolCeil', () => {
  const grid = (f: (r: number, c: number) => number) =>
    tf.tensor4d(Array.from({ length: 16 }, (_, i) => f(Math.floor(i / 4), i % 4)), [1, 4, 4, 1]);

  it('pools 4×4 to 3×3 with windows hanging over the bottom/right edge', () => {
    // Windows cover rows {0,1}, {1,2,3}, {3} (pad 1 on top, ceil mode at the bottom); same for columns.
    const y = maxPoolCeil(grid((r, c) => r * 4 + c));
    expect(y.shape).toEqual([1, 3, 3, 1]);
    expect(Array.from(y.dataSync())).toEqual([5, 7, 7, 13, 15, 15, 13, 15, 15]);
  });

  it('pads with −∞, so negative inputs are not replaced by a padded 0', () => {
    const y = maxPoolCeil(grid((r, c) => -(r * 4 + c + 1)));
    // max over a window of negatives = minus (1 + its smallest index): first rows/cols {0, 1, 3}.
    expect(Array.from(y.dataSync())).toEqual([-1, -2, -4, -5, -6, -8, -13, -14, -16]);
  });

  it('passes the gradient to the max of each window only', () => {
    const x = grid((r, c) => r * 4 + c);
    const g = tf.grad((t: tf.Tensor) => tf.sum(maxPoolCeil(t as tf.Tensor4D)))(x);
    // Counts of windows whose max is each cell: 5 ×1, 7 ×2, 13 ×2, 15 ×4.
    const expected = new Array(16).fill(0);
    expected[5] = 1; expected[7] = 2; expected[13] = 2; expected[15] = 4;
    expect(Array.from(g.dataSync())).toEqual(expected);
  });
});
