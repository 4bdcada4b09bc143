import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, resizeBilinear, resizeNearestLabels } from '../engine/index.js';
import { expectNoLeak } from '../../test/helpers/expect_tensors.js';
import { associationLoss } from './association.js';
import { lsrLoss } from './lsr.js';
import { plcaObjective, type PlcaInputs, type PlcaObjectiveOptions } from './objective.js';

beforeAll(async () => { await initEngine({ backend: 'cpu' }); });

type Inputs = Required<Omit<PlcaInputs, 'labelT'>> & Pick<PlcaInputs, 'labelT'>;

function inputs(h = 4, w = 4): Inputs {
  return tf.tidy(() => ({
    featS: tf.randomNormal([2, h, w, 6], 0, 1, 'float32', 1) as tf.Tensor4D,
    featT: tf.randomNormal([2, h, w, 6], 0, 1, 'float32', 2) as tf.Tensor4D,
    logitsS: tf.randomNormal([2, h, w, 4], 0, 2, 'float32', 3) as tf.Tensor4D,
    logitsT: tf.randomNormal([2, h, w, 4], 0, 2, 'float32', 4) as tf.Tensor4D,
    labelS: tf.randomUniform([2, 2 * h, 2 * w], 0, 4, 'int32', 5) as tf.Tensor3D,
    labelT: tf.randomUniform([2, 2 * h, 2 * w], 0, 4, 'int32', 6) as tf.Tensor3D,
  }));
}
const disposeInputs = (x: Inputs) => tf.dispose(Object.values(x) as tf.Tensor[]);

function values(x: PlcaInputs, opts: PlcaObjectiveOptions = {}) {
  const r = plcaObjective(x, opts);
  const terms = Object.fromEntries(Object.entries(r.terms).map(([k, t]) => [k, t.dataSync()[0]]));
  const total = r.total.dataSync()[0];
  tf.dispose([r.total, ...Object.values(r.terms)]);
  return { total, terms, diagnostics: r.diagnostics };
}

describe('plcaObjective (Eq. 14)', () => {
  it('returns every term and total = ce + β1 lov + β2 (fass + cass) + β3 (lsrS + lsrT)', () => {
    const x = inputs();
    const { total, terms } = values(x);
    expect(Object.keys(terms).sort()).toEqual(['cass', 'ce', 'fass', 'lovasz', 'lsrS', 'lsrT']);
    const want = terms.ce + 0.75 * terms.lovasz + 0.1 * (terms.fass + terms.cass) + 0.01 * (terms.lsrS + terms.lsrT);
    expect(total).toBeCloseTo(want, 5);
    const w = values(x, { weights: { lovasz: 2, association: 1, lsr: 0.5 } });
    expect(w.total).toBeCloseTo(terms.ce + 2 * terms.lovasz + terms.fass + terms.cass + 0.5 * (terms.lsrS + terms.lsrT), 5);
    const ce = values(x, { weights: { ce: 3 } });
    expect(ce.total).toBeCloseTo(want + 2 * terms.ce, 5);
    disposeInputs(x);
  });
  it('the source-only baselines are the same function with the target terms off, from the source side alone', () => {
    const x = inputs();
    const off = { useFeatureAssociation: false, usePredictionAssociation: false, useLsr: false };
    const full = values(x).terms;
    const lov = values({ logitsS: x.logitsS, labelS: x.labelS }, off);
    expect(Object.keys(lov.terms).sort()).toEqual(['ce', 'lovasz']);
    expect(lov.terms).toEqual({ ce: full.ce, lovasz: full.lovasz });
    expect(lov.total).toBeCloseTo(full.ce + 0.75 * full.lovasz, 5);
    const ce = values({ logitsS: x.logitsS, labelS: x.labelS }, { ...off, useLovasz: false, weights: { ce: 2 } });
    expect(ce.terms).toEqual({ ce: full.ce });
    expect(ce.total).toBeCloseTo(2 * full.ce, 5);
    // A target term without its inputs is an error naming what is missing.
    expect(() => plcaObjective({ logitsS: x.logitsS, labelS: x.labelS }, { ...off, useLsr: true })).toThrow(/need logitsT/);
    expect(() => plcaObjective({ logitsS: x.logitsS, labelS: x.labelS, logitsT: x.logitsT }, { ...off, useFeatureAssociation: true })).toThrow(/needs featS and featT/);
    disposeInputs(x);
  });

  it('ablation switches drop exactly their terms (paper Table 1)', () => {
    const x = inputs();
    const full = values(x).terms;
    const drop = (o: PlcaObjectiveOptions) => Object.keys(values(x, o).terms).sort();
    expect(drop({ useLovasz: false })).toEqual(['cass', 'ce', 'fass', 'lsrS', 'lsrT']);
    expect(drop({ useFeatureAssociation: false })).toEqual(['cass', 'ce', 'lovasz', 'lsrS', 'lsrT']);
    expect(drop({ usePredictionAssociation: false })).toEqual(['ce', 'fass', 'lovasz', 'lsrS', 'lsrT']);
    expect(drop({ useLsr: false })).toEqual(['cass', 'ce', 'fass', 'lovasz']);
    const noAgg = values(x, { spatialAggregation: false }).terms;
    expect(noAgg.ce).toBe(full.ce);
    const small = resizeNearestLabels(x.labelS, [4, 4]);
    const direct = associationLoss(x.featS, x.featT, small, { metric: 'cos', spagg: false });
    expect(noAgg.fass).toBeCloseTo(direct.loss.dataSync()[0], 6);
    expect(Math.abs(noAgg.fass - full.fass)).toBeGreaterThan(1e-4);
    const sim = values(x, { associationMode: 'similarity' }).terms;
    const simDirect = associationLoss(x.featS, x.featT, small, { metric: 'cos', mode: 'similarity' });
    expect(sim.fass).toBeCloseTo(simDirect.loss.dataSync()[0], 6);
    tf.dispose([small, direct.loss, simDirect.loss]);
    disposeInputs(x);
  });
  it('USE_DOWNSAMPLING: associations on the bilinearly halved grid, LSR on the original logits', () => {
    const x = inputs(6, 6);
    const r = values(x, { downsample: 0.5 });
    const fS = resizeBilinear(x.featS, [3, 3]);
    const fT = resizeBilinear(x.featT, [3, 3]);
    const lab = resizeNearestLabels(x.labelS, [3, 3]);
    const fass = associationLoss(fS, fT, lab, { metric: 'cos' });
    const lsr = lsrLoss(x.logitsS);
    expect(r.terms.fass).toBeCloseTo(fass.loss.dataSync()[0], 6);
    expect(r.terms.lsrS).toBeCloseTo(lsr.dataSync()[0], 6);
    expect(() => values(x, { downsample: 0 })).toThrow(/downsample must lie in \(0, 1\], got 0/);
    tf.dispose([fS, fT, lab, fass.loss, lsr]);
    disposeInputs(x);
  });
  it('reports diagnostics for both associations, with target labels', () => {
    const x = inputs();
    const { diagnostics } = values(x);
    for (const d of [diagnostics.fass!, diagnostics.cass!]) {
      expect(d.coverRatio).toBeGreaterThan(0);
      expect(d.coverRatio).toBeLessThanOrEqual(1);
      expect(d.positiveRatio).toBeGreaterThan(0);
      expect(d.correctRatio).toBeGreaterThanOrEqual(0);
    }
    disposeInputs(x);
  });
  it('validates shapes and does not leak through a gradient step', async () => {
    const x = inputs();
    expect(() => plcaObjective({ ...x, logitsS: x.logitsT.slice([0, 0, 0, 0], [2, 3, 4, 4]) }))
      .toThrow(/plcaObjective: featS \[2, 4, 4, 6\] and logitsS \[2, 3, 4, 4\]/);
    await expectNoLeak(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
        const r = plcaObjective({ ...x, featS: a as tf.Tensor4D, logitsS: b as tf.Tensor4D });
        tf.dispose(Object.values(r.terms));
        return r.total;
      })([x.featS, x.logitsS]);
      tf.dispose(g);
    });
    disposeInputs(x);
  });
});
