import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/index.js';
import { expectClose, expectNoLeak } from '../../test/helpers/expect_tensors.js';
import { associationLoss, type AssociationOptions } from './association.js';
import { cosineSimilarity, negKlSimilarity } from './similarity.js';

beforeAll(async () => { await initEngine({ backend: 'cpu' }); });

function inputs(metric: 'cos' | 'kl', seed: number, hs: [number, number], ht: [number, number], c: number, classes = 3) {
  return tf.tidy(() => {
    let s = tf.randomNormal([2, hs[0], hs[1], c], 0, 2, 'float32', seed) as tf.Tensor4D;
    let t = tf.randomNormal([2, ht[0], ht[1], c], 0, 2, 'float32', seed + 1) as tf.Tensor4D;
    if (metric === 'kl') { s = tf.softmax(s) as tf.Tensor4D; t = tf.softmax(t) as tf.Tensor4D; }
    const lab = tf.randomUniform([2, hs[0], hs[1]], 0, classes, 'int32', seed + 2) as tf.Tensor3D;
    return { s, t, lab };
  });
}

function run(x: ReturnType<typeof inputs>, opts: AssociationOptions) {
  let mid: Int32Array = new Int32Array(0);
  let end: Int32Array = new Int32Array(0);
  const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => {
    const r = associationLoss(a as tf.Tensor4D, b as tf.Tensor4D, x.lab, opts);
    mid = r.midIndex; end = r.endIndex;
    return r.loss;
  })([x.s, x.t]);
  const out = { loss: value.dataSync()[0], gs: grads[0].dataSync(), gt: grads[1].dataSync(), mid, end };
  tf.dispose([value, ...grads]);
  return out;
}

describe('associationLoss: blocked path against the dense path', () => {
  for (const metric of ['cos', 'kl'] as const) {
    for (const spagg of [false, true]) {
      it(`${metric}, spagg=${spagg}, grids 5×6 → 4×7, blocks of 4 rows (with a remainder)`, () => {
        const x = inputs(metric, metric === 'cos' ? 3 : 7, [5, 6], [4, 7], 6);
        const dense = run(x, { metric, spagg, blockRows: 'none' });
        const blocked = run(x, { metric, spagg, blockRows: 4 });
        expect(Array.from(blocked.mid)).toEqual(Array.from(dense.mid));
        expect(Array.from(blocked.end)).toEqual(Array.from(dense.end));
        expectClose([blocked.loss], [dense.loss], 1e-5, 'loss');
        expectClose(blocked.gs, dense.gs, 1e-4, 'gradS');
        expectClose(blocked.gt, dense.gt, 1e-4, 'gradT');
        expect(dense.loss).toBeGreaterThan(0);
        tf.dispose([x.s, x.t, x.lab]);
      });
    }
  }
});

describe('associationLoss: definition', () => {
  it('picks j* = argmax_j S(i, j) and i* = argmax_i S(j*, i) (Eq. 2–3)', () => {
    const x = inputs('cos', 11, [3, 3], [2, 4], 5);
    const r = associationLoss(x.s, x.t, x.lab, { metric: 'cos', spagg: false });
    const s = cosineSimilarity(x.s, x.t).arraySync() as number[][][];
    const argmax = (v: number[]) => v.indexOf(Math.max(...v));
    for (let b = 0; b < 2; b++) {
      for (let i = 0; i < 9; i++) {
        const j = argmax(s[b][i]);
        expect(r.midIndex[b * 9 + i]).toBe(j);
        expect(r.endIndex[b * 9 + i]).toBe(argmax(s[b].map((row) => row[j])));
      }
    }
    tf.dispose([x.s, x.t, x.lab, r.loss]);
  });
  it('is 0 with zero gradient when every source pixel is ignored', () => {
    const x = inputs('kl', 5, [3, 3], [3, 3], 4);
    const lab = tf.fill([2, 3, 3], 255, 'int32') as tf.Tensor3D;
    const r = run({ ...x, lab }, { metric: 'kl' });
    expect(r.loss).toBe(0);
    expect(Math.max(...Array.from(r.gs).map(Math.abs), ...Array.from(r.gt).map(Math.abs))).toBe(0);
    tf.dispose([x.s, x.t, x.lab, lab]);
  });
  it('reports cover, positive and target-correct ratios', () => {
    const x = inputs('cos', 21, [3, 4], [3, 4], 5, 2);
    const labT = tf.randomUniform([2, 3, 4], 0, 2, 'int32', 4) as tf.Tensor3D;
    const r = associationLoss(x.s, x.t, x.lab, { metric: 'cos' }, labT);
    const ls = x.lab.dataSync();
    const lt = labT.dataSync();
    let pos = 0; let ok = 0; let cover = 0;
    for (let b = 0; b < 2; b++) {
      cover += new Set(Array.from(r.midIndex.subarray(b * 12, b * 12 + 12))).size / 12;
      for (let i = 0; i < 12; i++) {
        const k = b * 12 + i;
        if (ls[k] !== ls[b * 12 + r.endIndex[k]]) continue;
        pos++;
        if (lt[b * 12 + r.midIndex[k]] === ls[k]) ok++;
      }
    }
    expect(r.diagnostics.coverRatio).toBeCloseTo(cover / 2, 12);
    expect(r.diagnostics.positiveRatio).toBeCloseTo(pos / 24, 12);
    expect(r.diagnostics.correctRatio).toBeCloseTo(ok / pos, 12);
    tf.dispose([x.s, x.t, x.lab, labT, r.loss]);
  });
  it('Sim-PLCA: −mean over positive cycles of D(i, j*) + D(j*, i*), raw similarities', () => {
    for (const metric of ['cos', 'kl'] as const) {
      const x = inputs(metric, 31, [3, 3], [3, 4], 4, 2);
      const r = associationLoss(x.s, x.t, x.lab, { metric, spagg: false, mode: 'similarity' });
      const s12 = (metric === 'cos' ? cosineSimilarity(x.s, x.t) : negKlSimilarity(x.s, x.t)).arraySync() as number[][][];
      const s21 = (metric === 'cos' ? tf.transpose(cosineSimilarity(x.s, x.t), [0, 2, 1]) : negKlSimilarity(x.t, x.s)).arraySync() as number[][][];
      const ls = x.lab.dataSync();
      let sum = 0; let n = 0;
      for (let k = 0; k < 18; k++) {
        const b = Math.floor(k / 9);
        if (ls[k] !== ls[b * 9 + r.endIndex[k]]) continue;
        sum += s12[b][k % 9][r.midIndex[k]] + s21[b][r.midIndex[k]][r.endIndex[k]];
        n++;
      }
      expect(n).toBeGreaterThan(0);
      expect(r.loss.dataSync()[0]).toBeCloseTo(-sum / n, 5);
      const blocked = associationLoss(x.s, x.t, x.lab, { metric, spagg: false, mode: 'similarity', blockRows: 2 });
      expect(blocked.loss.dataSync()[0]).toBeCloseTo(-sum / n, 5);
      tf.dispose([x.s, x.t, x.lab, r.loss, blocked.loss]);
    }
  });
  it('rejects mismatched shapes and options, naming them', () => {
    const x = inputs('cos', 1, [2, 2], [2, 2], 3);
    expect(() => associationLoss(x.s, x.t, tf.zeros([2, 3, 2], 'int32') as tf.Tensor3D, { metric: 'cos' }))
      .toThrow(/associationLoss: labelS \[2, 3, 2\] must match xS \[2, 2, 2, 3\]/);
    expect(() => associationLoss(x.s, x.t, x.lab, { metric: 'cos', alpha: 2 })).toThrow(/alpha must lie in \[0, 1\], got 2/);
    expect(() => associationLoss(x.s, x.t, x.lab, { metric: 'cos', blockRows: 0 })).toThrow(/blockRows: must be a positive integer/);
    tf.dispose([x.s, x.t, x.lab]);
  });
  it('does not leak on either path, forward or backward', async () => {
    const x = inputs('kl', 2, [3, 3], [3, 3], 4);
    for (const blockRows of ['none', 2] as const) {
      await expectNoLeak(() => { run(x, { metric: 'kl', blockRows }); associationLoss(x.s, x.t, x.lab, { metric: 'cos', blockRows }).loss.dispose(); });
    }
    tf.dispose([x.s, x.t, x.lab]);
  });
});
