import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/index.js';
import { isPlcaError } from '../util/errors.js';
import { createModel } from './registry.js';
import type { Segmentor } from './segmentor.js';
import { loadTorchStateDict, oihwToHwio, type TorchTensor } from './torch_weights.js';

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
});

/** A state dict as PyTorch would save it for `m`: OIHW conv weights, value = a code of the key and index. */
function syntheticStateDict(m: Segmentor): Record<string, TorchTensor> {
  const dict: Record<string, TorchTensor> = {};
  let k = 0;
  for (const [ours, torch] of m.torchNames) {
    const v = (m.params.get(ours) ?? m.state.get(ours))!;
    const sh = v.shape as number[];
    const shape = v.rank === 4 ? [sh[3], sh[2], sh[0], sh[1]] : [...sh];
    const n = shape.reduce((a, b) => a * b, 1);
    const base = ++k;
    dict[torch] = { shape, data: Array.from({ length: n }, (_, i) => base + i / 1e5) };
    if (torch.endsWith('running_var')) dict[torch.replace('running_var', 'num_batches_tracked')] = { shape: [], data: [7] };
  }
  return dict;
}

describe('oihwToHwio', () => {
  it('moves element [o, i, h, w] to [h, w, i, o]', () => {
    const [o, i, h, w] = [2, 3, 2, 4];
    const src = Array.from({ length: o * i * h * w }, (_, n) => n);
    const out = oihwToHwio(src, [o, i, h, w]);
    for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      expect(out[((y * w + x) * i + b) * o + a]).toBe(src[((a * i + b) * h + y) * w + x]);
    }
  });

  it('gives the same convolution as PyTorch computes on NCHW with the OIHW filter', () => {
    // 1×1 output of a 2×2 "valid" conv: y[o] = Σ_{i,h,w} x[i,h,w]·W[o,i,h,w], written out in plain JS.
    const W = [1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, 0.5, 0.5, 0.5, 0.5]; // [2, 2, 2, 2] OIHW
    const xNchw = [1, 0, 2, 1, 3, 1, 0, 2]; // [1, 2, 2, 2]
    const expected = [0, 1].map((o) => xNchw.reduce((s, v, j) => s + v * W[o * 8 + j], 0));
    const x = tf.transpose(tf.tensor4d(xNchw, [1, 2, 2, 2]), [0, 2, 3, 1]) as tf.Tensor4D;
    const y = tf.conv2d(x, tf.tensor4d(oihwToHwio(W, [2, 2, 2, 2]), [2, 2, 2, 2]), 1, 'valid');
    expect(Array.from(y.dataSync())).toEqual(expected);
  });
});

describe('loadTorchStateDict', () => {
  it('loads every param and running stat of the tiny DeepLab net by the reference\'s names', () => {
    const m = createModel('resnet_tiny_aspp', { numClasses: 3, seed: 0 });
    expect(m.torchNames.get('classifier.aspp.2.weight')).toBe('classifier.0.convs.2.0.weight');
    expect(m.torchNames.get('backbone.layer2.0.downsample.1.running_var')).toBe('backbone.layer2.0.downsample.1.running_var');
    const dict = syntheticStateDict(m);
    const prefixed = Object.fromEntries(Object.entries(dict).map(([k, v]) => [`module.${k}`, v]));
    const r = loadTorchStateDict(m, prefixed, { prefix: 'module.' });
    expect(r.loaded.length).toBe(m.params.size + m.state.size);
    expect(r.missing).toEqual([]);
    const w = m.params.get('classifier.aspp.1.weight')!; // HWIO [3, 3, 256, 3]
    const t = dict['classifier.0.convs.1.0.weight']; // OIHW [3, 256, 3, 3]
    const [o, i, y, x] = [2, 100, 1, 2];
    expect(w.bufferSync().get(y, x, i, o)).toBeCloseTo(t.data[((o * 256 + i) * 3 + y) * 3 + x], 5);
    const rv = m.state.get('backbone.bn1.running_var')!.dataSync();
    expect(rv[5]).toBeCloseTo(dict['backbone.bn1.running_var'].data[5], 5);
    m.dispose();
  });

  it('rejects wrong shapes, missing and unexpected keys, and leaves the model unchanged', () => {
    const m = createModel('minicity_bn', { numClasses: 4, seed: 0 });
    const before = Array.from(m.params.get('backbone.0.conv.weight')!.dataSync());
    const err = (f: () => unknown) => { try { f(); } catch (e) { return isPlcaError(e) ? `${e.code}: ${e.message}` : String(e); } return 'none'; };
    const good = syntheticStateDict(m);

    const badShape = { ...good, 'classifier.weight': { shape: [4, 96, 1, 2], data: new Array(768).fill(0) } };
    expect(err(() => loadTorchStateDict(m, badShape))).toMatch(/PLCA_CHECKPOINT_INVALID: state_dict "classifier.weight": shape \[4, 96, 1, 2\], the model needs \[4, 96, 1, 1\]/);

    const { 'backbone.3.norm.bias': _drop, ...missing } = good;
    expect(err(() => loadTorchStateDict(m, { ...missing, 'aux_classifier.weight': { shape: [1], data: [0] } })))
      .toMatch(/missing \[backbone.3.norm.bias\], unexpected \[aux_classifier.weight\]/);
    expect(Array.from(m.params.get('backbone.0.conv.weight')!.dataSync())).toEqual(before);

    const partial = loadTorchStateDict(m, missing, { strict: false });
    expect(partial.missing).toEqual(['backbone.3.norm.bias']);
    // An ImageNet-style backbone dict (no 'backbone.' prefix, Caffe 'Scale.' names), renamed as the reference does.
    const caffe = Object.fromEntries(Object.entries(good).filter(([k]) => k.startsWith('backbone.0.'))
      .map(([k, v]) => [k.replace('backbone.', '').replace('norm.', 'norm.Scale.'), v]));
    const r = loadTorchStateDict(m, caffe, { strict: false, rename: (k) => 'backbone.' + k.replace('Scale.', '') });
    expect(r.loaded.sort()).toEqual(['backbone.0.conv.weight', 'backbone.0.norm.bias', 'backbone.0.norm.running_mean',
      'backbone.0.norm.running_var', 'backbone.0.norm.weight']);
    expect(r.unexpected).toEqual([]);
    expect(Array.from(m.params.get('backbone.0.conv.weight')!.dataSync())).not.toEqual(before);
    m.dispose();
  });

  it('reorders the head\'s class channels with classPermutation (PLCA order → ours)', () => {
    const m = createModel('minicity_gn', { numClasses: 3, seed: 0 });
    const dict = syntheticStateDict(m);
    const perm = [2, 0, 1]; // torch channel k → our channel perm[k]
    loadTorchStateDict(m, dict, { classPermutation: perm });
    const bias = m.params.get('classifier.bias')!.dataSync();
    const tb = dict['classifier.bias'].data;
    expect([bias[2], bias[0], bias[1]]).toEqual([tb[0], tb[1], tb[2]].map(Math.fround));
    const w = m.params.get('classifier.weight')!.bufferSync(); // [1, 1, 96, 3]
    const tw = dict['classifier.weight'].data; // [3, 96, 1, 1]
    expect(w.get(0, 0, 10, 2)).toBe(Math.fround(tw[0 * 96 + 10]));
    expect(w.get(0, 0, 10, 1)).toBe(Math.fround(tw[2 * 96 + 10]));
    // Backbone weights are not permuted.
    expect(m.params.get('backbone.5.norm.bias')!.dataSync()[1]).toBe(Math.fround(dict['backbone.5.norm.bias'].data[1]));
    expect(() => loadTorchStateDict(m, dict, { classPermutation: [0, 0, 1] })).toThrow(/permutation of 0\.\.2, got \[0, 0, 1\]/);
    m.dispose();
  });

  it('does not leak tensors', () => {
    const m = createModel('minicity_gn', { numClasses: 2, seed: 0 });
    const dict = syntheticStateDict(m);
    loadTorchStateDict(m, dict);
    const n = tf.memory().numTensors;
    loadTorchStateDict(m, dict);
    expect(tf.memory().numTensors).toBe(n);
    m.dispose();
  });
});
