import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../engine/index.js';
import { createModel, type Segmentor } from '../models/index.js';
import { resolveConfig, type MethodMode } from '../config/index.js';
import { SyntheticStream } from '../train/synthetic_stream.js';
import type { Batch } from '../data/batch.js';
import { PlcaMethod, type MethodBatches } from './plca_method.js';
import { PlcaError } from '../util/errors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

const K = 4;
const methodCfg = (mode: MethodMode, extra: object = {}) => resolveConfig({ method: { mode, ...extra } }).method;

async function batches(): Promise<MethodBatches> {
  const source = await new SyntheticStream({ batchSize: 2, height: 16, width: 16, numClasses: K, seed: 3 }).next();
  const target = await new SyntheticStream({ batchSize: 2, height: 16, width: 16, numClasses: K, seed: 4, shift: 0.5, labels: false }).next();
  return { source, target };
}
const disposeAll = (b: MethodBatches) => tf.dispose([b.source.images, b.source.labels!, b.target!.images] as tf.Tensor[]);

/** Records the inputs of every apply() call. */
function spy(model: Segmentor): Array<{ x: tf.Tensor; training: boolean; updateStats?: boolean }> {
  const calls: Array<{ x: tf.Tensor; training: boolean; updateStats?: boolean }> = [];
  const apply = model.apply.bind(model);
  model.apply = (x, o) => {
    calls.push({ x, ...o });
    return apply(x, o);
  };
  return calls;
}

describe('PlcaMethod', () => {
  it('forwards the target first, then the source, both in training mode (reference §4.3)', async () => {
    const b = await batches();
    for (const [mode, want] of [['plca', ['t', 's']], ['source_only', ['s']], ['source_only_lovasz_tgtbn', ['t', 's']]] as const) {
      const model = createModel('minicity_bn', { numClasses: K, seed: 0 });
      const calls = spy(model);
      const r = new PlcaMethod(model, methodCfg(mode)).computeGradients(b);
      tf.dispose([...r.grads.values()]);
      expect(calls.map((c) => (c.x === b.target!.images ? 't' : 's')), mode).toEqual(want);
      expect(calls.every((c) => c.training && c.updateStats !== false)).toBe(true);
      model.dispose();
    }
    disposeAll(b);
  });

  it('lovbn control: the same gradients as source-only + Lovász, but BN statistics also see the target', async () => {
    const b = await batches();
    const lov = createModel('minicity_bn', { numClasses: K, seed: 0 });
    const bn = createModel('minicity_bn', { numClasses: K, seed: 0 });
    const gl = new PlcaMethod(lov, methodCfg('source_only_lovasz')).computeGradients(b);
    const gb = new PlcaMethod(bn, methodCfg('source_only_lovasz_tgtbn')).computeGradients(b);
    expect([...gb.grads.keys()]).toEqual([...gl.grads.keys()]);
    for (const [n, g] of gl.grads) expect(gb.grads.get(n)!.dataSync(), n).toEqual(g.dataSync());
    expect(gb.terms).toEqual(gl.terms);
    const mean = [...lov.state.keys()].find((n) => n.includes('mean'))!;
    expect(bn.state.get(mean)!.dataSync()).not.toEqual(lov.state.get(mean)!.dataSync());
    tf.dispose([...gl.grads.values(), ...gb.grads.values()]);
    lov.dispose();
    bn.dispose();
    disposeAll(b);
  });

  it('weights the terms as Eq. (14), with β1 scaled by gradient accumulation as the reference', async () => {
    const b = await batches();
    const model = createModel('minicity_gn', { numClasses: K, seed: 0 });
    const cfg = methodCfg('plca', { weights: { ce: 2, lovasz: 0.5, association: 0.3, lsr: 0.05 } });
    const out = tf.tidy(() => {
      const f = new PlcaMethod(model, cfg, 2).forward(b);
      return { total: f.total.dataSync()[0], terms: Object.fromEntries(Object.entries(f.terms).map(([k, v]) => [k, v.dataSync()[0]])), d: f.diagnostics };
    });
    const t = out.terms;
    expect(Object.keys(t).sort()).toEqual(['cass', 'ce', 'fass', 'lovasz', 'lsrS', 'lsrT']);
    const want = 2 * t.ce + 0.5 * 2 * t.lovasz + 0.3 * (t.fass + t.cass) + 0.05 * (t.lsrS + t.lsrT);
    expect(Math.abs(out.total - want)).toBeLessThan(1e-5 * Math.abs(want));
    expect(out.d['fass.coverRatio']).toBeGreaterThan(0);
    expect(out.d['cass.positiveRatio']).toBeGreaterThanOrEqual(0);
    model.dispose();
    disposeAll(b);
  });

  it('maps every Table 1 mode onto its terms', async () => {
    const b = await batches();
    const model = createModel('minicity_gn', { numClasses: K, seed: 0 });
    const terms = (mode: MethodMode) => tf.tidy(() => Object.keys(new PlcaMethod(model, methodCfg(mode)).forward(b).terms).sort());
    expect(terms('source_only')).toEqual(['ce']);
    expect(terms('source_only_lovasz')).toEqual(['ce', 'lovasz']);
    expect(terms('plca_fass')).toEqual(['ce', 'fass', 'lovasz']);
    expect(terms('plca_fass_cass')).toEqual(['cass', 'ce', 'fass', 'lovasz']);
    expect(terms('sim_plca')).toEqual(['cass', 'ce', 'fass', 'lovasz', 'lsrS', 'lsrT']);
    // Without spatial aggregation the association values change (Eq. (7) is off), the names do not.
    const fass = (mode: MethodMode) => tf.tidy(() => new PlcaMethod(model, methodCfg(mode)).forward(b).terms.fass.dataSync()[0]);
    expect(fass('plca_no_sagg')).not.toBe(fass('plca'));
    expect(fass('sim_plca')).not.toBe(fass('plca'));
    model.dispose();
    disposeAll(b);
  });

  it('poisons a term with NaN on request, and names unknown terms', async () => {
    const b = await batches();
    const model = createModel('minicity_gn', { numClasses: K, seed: 0 });
    const m = new PlcaMethod(model, methodCfg('source_only_lovasz'));
    const r = m.computeGradients(b, { injectNanTerm: 'lovasz' });
    expect(Number.isNaN(r.terms.lovasz)).toBe(true);
    expect(Number.isFinite(r.terms.ce)).toBe(true);
    expect(Number.isNaN(r.loss)).toBe(true);
    tf.dispose([...r.grads.values()]);
    expect(() => m.computeGradients(b, { injectNanTerm: 'fass' })).toThrow(/injectNanTerm "fass".*ce, lovasz/);
    model.dispose();
    disposeAll(b);
  });

  it('does not leak tensors, in any mode', async () => {
    const b = await batches();
    const model = createModel('minicity_bn', { numClasses: K, seed: 0 });
    for (const mode of ['plca', 'source_only_lovasz_tgtbn'] as const) {
      const m = new PlcaMethod(model, methodCfg(mode));
      const run = () => tf.dispose([...m.computeGradients(b).grads.values()]);
      run();
      const before = tf.memory().numTensors;
      run();
      run();
      expect(tf.memory().numTensors, mode).toBe(before);
    }
    model.dispose();
    disposeAll(b);
  });

  it('needs a target batch for adaptation and labels on the source', async () => {
    const b = await batches();
    const model = createModel('minicity_gn', { numClasses: K, seed: 0 });
    const m = new PlcaMethod(model, methodCfg('plca'));
    expect(m.needsTarget).toBe(true);
    expect(new PlcaMethod(model, methodCfg('source_only')).needsTarget).toBe(false);
    expect(() => m.computeGradients({ source: b.source })).toThrow(/needs a target batch/);
    const unlabelled: Batch = { images: b.source.images };
    expect(() => m.computeGradients({ source: unlabelled, target: b.target })).toThrow(PlcaError);
    model.dispose();
    disposeAll(b);
  });
});
