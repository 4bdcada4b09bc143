// The backward pass releases each tape node's output gradients and saved tensors once the node is
// done (src/engine/tape_release.ts): same gradients as without, far less held at the end of the
// pass, and the awkward cases a gradient function can produce (dy handed on, one tensor for two
// inputs, multi-output ops, a caller's dy, nested top-level passes inside a gradient) stay correct.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { setTapeRelease, tapeReleaseCount } from '../../src/engine/tape_release.js';

/** Runs `f` with releasing on or off. */
function withRelease<T>(on: boolean, f: () => T): T {
  const was = setTapeRelease(on);
  try { return f(); } finally { setTapeRelease(was); }
}

/** The gradient passes through unchanged, and reports the live bytes at that moment. */
function probe(onBackward: (bytes: number) => void): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.clone(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => { onBackward(tf.memory().numBytes); return [dy as tf.Tensor]; },
  })) as unknown as (x: tf.Tensor) => tf.Tensor;
}

/** A chain of `depth` element-wise ops on a [n] vector, with the awkward cases mixed in. */
function chain(x: tf.Tensor, w: tf.Variable, depth: number, first: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const handOn = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.add(args[0] as tf.Tensor, args[1] as tf.Tensor), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [dy as tf.Tensor, dy as tf.Tensor], // one tensor for both inputs
  })) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  const nested = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const a = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([a]);
    return {
      value: tf.sin(a),
      // recomputation-style: a top-level gradient pass inside a gradient (tfjs's nested pass
      // clears the one active tape, so the outer one is put back, as models' recomputation does)
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
        const outer = state.activeTape;
        try { return [tf.grad((t: tf.Tensor) => tf.sin(t))(saved[0], dy as tf.Tensor)]; } finally { state.activeTape = outer; }
      },
    };
  }) as unknown as (a: tf.Tensor) => tf.Tensor;
  let h = first(tf.mul(x, w)); // the first op after w: its gradient runs last
  for (let i = 0; i < depth; i++) {
    h = tf.tanh(tf.add(tf.mul(h, 0.9), 0.01 * i));
    if (i % 4 === 1) h = handOn(h, tf.square(h));
    if (i % 4 === 2) { const [a, b] = tf.split(h, 2); h = tf.concat([tf.relu(b), tf.mul(a, a)]); }
    if (i % 4 === 3) h = nested(h);
  }
  return h;
}

describe('tape release', () => {
  beforeAll(async () => { await initEngine({ backend: 'cpu' }); });

  it('gives the same gradients and holds a fraction of the memory at the end of the backward pass', () => {
    const n = 1 << 14;
    const x = tf.randomNormal([n], 0, 1, 'float32', 3);
    const w = tf.variable(tf.randomNormal([n], 1, 0.1, 'float32', 4));
    const depth = 24;
    const run = (on: boolean) => withRelease(on, () => {
      let atEnd = 0;
      const p = probe((b) => { atEnd = b; });
      const before = tf.memory().numBytes;
      const { value, grads } = tf.variableGrads(() => tf.sum(chain(x, w, depth, p)) as tf.Scalar, [w]);
      const out = { loss: value.dataSync()[0], g: grads[w.name].dataSync().slice(), heldAtEnd: atEnd - before };
      tf.dispose([value, grads[w.name]]);
      return out;
    });
    const released0 = tapeReleaseCount();
    const on = run(true);
    expect(tapeReleaseCount()).toBeGreaterThan(released0);
    const off = run(false);
    expect(on.loss).toBe(off.loss);
    expect(Array.from(on.g)).toEqual(Array.from(off.g));
    // Without releasing, every intermediate gradient and saved tensor is still alive when the
    // backward pass reaches the first op: several bytes per op per element.
    expect(off.heldAtEnd).toBeGreaterThan(depth * n * 4 * 3);
    expect(on.heldAtEnd).toBeLessThan(off.heldAtEnd / 4);
  });

  it('keeps a caller\'s dy and xs, and leaks nothing', () => {
    const x = tf.tensor1d([0.5, -1, 2, 0.1]);
    const dy = tf.tensor1d([1, 2, 3, 4]);
    const f = (t: tf.Tensor) => tf.mul(tf.exp(tf.mul(t, 0.5)), tf.tanh(t));
    const before = tf.memory().numTensors;
    const g = tf.grad(f)(x, dy);
    const gOff = withRelease(false, () => tf.grad(f)(x, dy));
    expect(Array.from(g.dataSync())).toEqual(Array.from(gOff.dataSync()));
    expect(dy.isDisposed).toBe(false);
    expect(x.isDisposed).toBe(false);
    expect(Array.from(dy.dataSync())).toEqual([1, 2, 3, 4]);
    tf.dispose([g, gOff]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
