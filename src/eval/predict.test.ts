import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/index.js';
import type { Segmentor } from '../models/index.js';
import { expectClose, expectNoLeak } from '../../test/helpers/expect_tensors.js';
import { predict, predictLogits } from './predict.js';

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
});

// A test double with known outputs: a 2×2 grid of 3-d features, and a linear 1×1 head F·W.
const FEAT = [[1, 0, 2], [0.5, 1, -1], [2, 2, 0.1], [-1, 0.3, 1]]; // pixels row-major
const W = [[1, -1], [0.5, 2], [-1, 0.2]]; // [C=3, K=2]
const dot = (f: number[], k: number) => f.reduce((s, v, c) => s + v * W[c][k], 0);

function fakeModel(): Segmentor & { calls: string[] } {
  const calls: string[] = [];
  const head = (f: tf.Tensor4D) => tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(f, [-1, 3]), tf.tensor2d(W)), [1, 2, 2, 2]) as tf.Tensor4D);
  return {
    name: 'fake', numClasses: 2, featureChannels: 3, outputStride: 8, calls,
    params: new Map(), state: new Map(), torchNames: new Map(),
    apply(x, o) {
      calls.push(`apply ${x.shape.join('x')} training=${o.training}`);
      const features = tf.tensor4d(FEAT.flat(), [1, 2, 2, 3]);
      return { features, logits: head(features) };
    },
    classify: (f) => { calls.push('classify'); return head(f); },
    dispose: () => undefined,
  };
}

// The reference's test-time aggregation (tools/test.py, docs/design/reference-implementation.md §4.5) written out for 4 pixels.
function softmaxRows(z: number[][]): number[][] {
  return z.map((r) => { const m = Math.max(...r); const e = r.map((v) => Math.exp(v - m)); const s = e.reduce((a, b) => a + b); return e.map((v) => v / s); });
}
const mix = (x: number[][], w: number[][]) => x.map((xi, i) => xi.map((v, c) => 0.5 * v + 0.5 * w[i].reduce((s, wij, j) => s + wij * x[j][c], 0)));
function cosAgg(f: number[][]): number[][] {
  const n = f.map((v) => { const l = Math.hypot(...v); return v.map((x) => x / l); });
  const s = n.map((a) => n.map((b) => a.reduce((t, v, c) => t + v * b[c], 0)));
  const z = s.map((r) => { // contrast normalisation: unbiased std + 1e-10 (reference `scoring`)
    const mu = r.reduce((a, b) => a + b) / r.length;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mu) ** 2, 0) / (r.length - 1));
    return r.map((v) => (v - mu) / (sd + 1e-10));
  });
  return mix(f, softmaxRows(z));
}
function klAgg(p: number[][]): number[][] {
  const lg = (v: number) => Math.log(v + 1e-10);
  const s = p.map((pi) => p.map((pj) => pi.reduce((t, v, c) => t + v * lg(pj[c]) - v * lg(v), 0))); // −KL(p_i ‖ p_j)
  return mix(p, softmaxRows(s));
}
function referenceAggregated(): number[] {
  const f = cosAgg(FEAT);
  const probs = softmaxRows(f.map((v) => [dot(v, 0), dot(v, 1)]));
  return klAgg(probs).flat();
}

describe('predictLogits', () => {
  it('without aggregation: the logits, bilinearly upsampled with half-pixel centres', () => {
    const m = fakeModel();
    const x = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    const y = predictLogits(m, x, { outputSize: [2, 4] });
    // Columns at source x = −0.25, 0.25, 0.75, 1.25 → a, ¾a + ¼b, ¼a + ¾b, b.
    const l = FEAT.map((f) => [dot(f, 0), dot(f, 1)]);
    const row = (a: number[], b: number[]) => [a, a.map((v, k) => 0.75 * v + 0.25 * b[k]), a.map((v, k) => 0.25 * v + 0.75 * b[k]), b].flat();
    expectClose(y.dataSync(), [...row(l[0], l[1]), ...row(l[2], l[3])], 1e-5);
    expect(m.calls).toEqual(['apply 1x16x16x3 training=false']);
  });

  it('with aggregation: cos-aggregated features → head → softmax → KL-aggregated probabilities (§4.5)', () => {
    const m = fakeModel();
    const x = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    const y = predictLogits(m, x, { aggregate: true, outputSize: [2, 2] });
    expectClose(y.dataSync(), referenceAggregated(), 1e-5);
    expect(m.calls).toEqual(['apply 1x16x16x3 training=false', 'classify']);
    const sums = tf.sum(y, 3).dataSync();
    sums.forEach((s) => expect(s).toBeCloseTo(1, 5));
  });

  it('gives the same scores with the row-blocked affinity as with the dense one', () => {
    const m = fakeModel();
    const x = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    const dense = predictLogits(m, x, { aggregate: true, outputSize: [2, 2], blockRows: 'none' });
    const blocked = predictLogits(m, x, { aggregate: true, outputSize: [2, 2], blockRows: 1 });
    expectClose(blocked.dataSync(), dense.dataSync(), 1e-5);
  });

  it('resizes the input when asked and processes a batch image by image', () => {
    const m = fakeModel();
    const x = tf.zeros([3, 20, 30, 3]) as tf.Tensor4D;
    const y = predict(m, x, { inputSize: [8, 12] });
    expect(y.shape).toEqual([3, 20, 30]);
    expect(y.dtype).toBe('int32');
    expect(m.calls).toEqual(Array(3).fill('apply 1x8x12x3 training=false'));
  });

  it('does not leak, with or without aggregation', async () => {
    const m = fakeModel();
    const x = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
    await expectNoLeak(() => {
      tf.dispose([predictLogits(m, x, { aggregate: true, outputSize: [5, 7] }), predict(m, x), predict(m, x, { aggregate: true })]);
    });
  });

  it('rejects bad sizes and inputs with a message naming the value', () => {
    const m = fakeModel();
    const x = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    expect(() => predict(m, x, { outputSize: [0, 4] })).toThrow(/outputSize must be \[height, width\] positive integers, got \[0, 4\]/);
    expect(() => predict(m, x, { aggregate: true, alpha: 2 })).toThrow(/alpha must lie in \[0, 1\], got 2/);
    expect(() => predict(m, tf.zeros([1, 8, 8, 4]) as tf.Tensor4D)).toThrow(/3 channels/);
  });
});
