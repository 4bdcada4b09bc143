import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../engine/index.js';
import { createModel } from '../models/index.js';
import { resolveConfig, methodNeedsTarget } from '../config/index.js';
import { SyntheticStream } from '../train/synthetic_stream.js';
import { PlcaMethod, type MethodBatches } from './plca_method.js';
import { entropyLoss, pseudoLabelLoss } from '../losses/index.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

const K = 4;
const cfgOf = (selfTraining: object, mode = 'source_only_lovasz') => resolveConfig({ method: { mode, selfTraining } }).method;

async function batches(): Promise<MethodBatches> {
  const source = await new SyntheticStream({ batchSize: 2, height: 16, width: 16, numClasses: K, seed: 3 }).next();
  const target = await new SyntheticStream({ batchSize: 2, height: 16, width: 16, numClasses: K, seed: 4, shift: 0.5, labels: false }).next();
  return { source, target };
}
const disposeAll = (b: MethodBatches) => tf.dispose([b.source.images, b.source.labels!, b.target!.images] as tf.Tensor[]);

describe('self-training losses', () => {
  it('pseudo-labels: CE to the argmax on confident pixels only, none kept above every confidence', () => {
    // pixel 0 confident on class 2, pixel 1 uniform
    const logits = tf.tensor4d([0, 0, 6, 0, 0, 0, 0, 0], [1, 1, 2, K]);
    const r = pseudoLabelLoss(logits, 0.9);
    const p2 = Math.exp(6) / (Math.exp(6) + 3);
    expect(r.keptRatio.dataSync()[0]).toBeCloseTo(0.5, 6);
    expect(r.loss.dataSync()[0]).toBeCloseTo(-Math.log(p2), 5);
    const none = pseudoLabelLoss(logits, 1);
    expect(none.keptRatio.dataSync()[0]).toBe(0);
    expect(none.loss.dataSync()[0]).toBe(0);
    // The gradient sharpens the confident pixel only and flows to the logits (the labels are constants).
    const g = tf.grad((x: tf.Tensor) => pseudoLabelLoss(x as tf.Tensor4D, 0.9).loss)(logits).dataSync();
    expect(g[2]).toBeLessThan(0);
    expect(Array.from(g.slice(4))).toEqual([0, 0, 0, 0]);
    tf.dispose([logits, r.loss, r.keptRatio, none.loss, none.keptRatio]);
  });

  it('entropy: log K for uniform logits, near 0 for a confident pixel', () => {
    const u = entropyLoss(tf.zeros([1, 2, 2, K]) as tf.Tensor4D);
    expect(u.loss.dataSync()[0]).toBeCloseTo(Math.log(K), 5);
    const c = entropyLoss(tf.tensor4d([0, 0, 30, 0], [1, 1, 1, K]));
    expect(c.loss.dataSync()[0]).toBeLessThan(1e-6);
  });
});

describe('method.selfTraining', () => {
  it('defaults to off; on, a source-only mode forwards the target and adds the term', async () => {
    expect(resolveConfig({}).method.selfTraining.loss).toBe('none');
    expect(methodNeedsTarget(cfgOf({}))).toBe(false);
    const b = await batches();
    const model = createModel('minicity_gn', { numClasses: K, seed: 0 });
    for (const loss of ['pseudo_label', 'entropy'] as const) {
      const cfg = cfgOf({ loss, threshold: 0.3, weight: 2 });
      expect(methodNeedsTarget(cfg)).toBe(true);
      const m = new PlcaMethod(model, cfg);
      expect(m.needsTarget).toBe(true);
      const run = () => m.computeGradients(b);
      const r = run();
      expect(Object.keys(r.terms).sort(), loss).toEqual(['ce', 'lovasz', 'selfTraining']);
      expect(r.loss).toBeCloseTo(r.terms.ce + 0.75 * r.terms.lovasz + 2 * r.terms.selfTraining, 4);
      expect(r.diagnostics['selfTraining.keptRatio']).toBeGreaterThan(0);
      tf.dispose([...r.grads.values()]);
      const before = tf.memory().numTensors;
      tf.dispose([...run().grads.values()]);
      expect(tf.memory().numTensors, loss).toBe(before);
      expect(() => m.computeGradients({ source: b.source })).toThrow(/needs a target batch/);
    }
    expect(() => new PlcaMethod(model, cfgOf({ loss: 'entropy' }, 'plca'))).toThrow(/control for the source-only modes/);
    expect(() => resolveConfig({ data: { target: null }, method: { mode: 'source_only', selfTraining: { loss: 'entropy' } } }))
      .toThrow(/selfTraining.loss "entropy" needs target batches/);
    model.dispose();
    disposeAll(b);
  });
});
