// vitest assertions over tensors; the plain helpers (tensors.ts) run in a browser page too.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { relError } from './tensors.js';

export { relError, nchwToNhwc, nhwcToNchwData } from './tensors.js';

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-4, what = ''): number {
  const err = relError(actual, expected);
  expect(err, `${what} relative error ${err}`).toBeLessThanOrEqual(tol);
  return err;
}

/** Runs `fn` `reps` times and asserts that the live tensor count does not grow after the first. */
export async function expectNoLeak(fn: () => unknown | Promise<unknown>, reps = 3): Promise<void> {
  await fn();
  const before = tf.memory().numTensors;
  for (let i = 0; i < reps; i++) await fn();
  expect(tf.memory().numTensors, 'live tensors grew').toBe(before);
}
