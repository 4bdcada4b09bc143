import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/index.js';
import { convFlop, convGflop } from './conv_work.js';
import { createModel, modelConvs, modelInfo, type ModelName } from './registry.js';

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
});

describe('modelConvs', () => {
  it('lists every convolution of the plan once, at the grids the model computes', () => {
    for (const name of ['resnet_tiny_aspp', 'minicity_gn'] as ModelName[]) {
      const m = createModel(name, { numClasses: 5, seed: 0 });
      const convs = modelConvs(name, { numClasses: 5, inputSize: [37, 50] });
      const weights = [...m.params.entries()].filter(([, v]) => v.rank === 4);
      expect(convs.map((c) => `${c.name}.weight`).sort()).toEqual(weights.map(([n]) => n).sort());
      for (const c of convs) expect(m.params.get(`${c.name}.weight`)!.shape).toEqual([c.k, c.k, c.cin, c.cout]);
      // the last convolution writes the logits: its grid is the model's feature grid
      const logits = tf.tidy(() => {
        const out = m.apply(tf.zeros([1, 37, 50, 3]) as tf.Tensor4D, { training: false });
        out.features.dispose();
        return out.logits;
      });
      const last = convs[convs.length - 1];
      expect([last.outH, last.outW]).toEqual(modelInfo(name, { numClasses: 5, inputSize: [37, 50] }).featureGrid);
      expect(logits.shape.slice(1, 3)).toEqual([last.outH, last.outW]);
      expect(convs.filter((c) => c.readsInput).map((c) => c.name)).toEqual([convs[0].name]);
      tf.dispose(logits);
      m.dispose();
    }
  });

  it('counts DeepLab-V2 R101 as the issue measured it: 167 GFLOP per step at 193², 56 forward', () => {
    const g = convGflop(modelConvs('deeplabv2_resnet101', { numClasses: 19, inputSize: 193 }));
    expect(g.forward).toBeCloseTo(55.67, 1);
    expect(g.step).toBeCloseTo(166.8, 0);
    // 108 convolutions: stem, 33 blocks × 3, 4 downsamples, 4 ASPP branches
    expect(modelConvs('deeplabv2_resnet101', { numClasses: 19, inputSize: 193 })).toHaveLength(1 + 99 + 4 + 4);
  });

  it('a step is forward + filter gradient + input gradient, without the input gradient of the image', () => {
    const convs = modelConvs('minicity_bn', { numClasses: 9, inputSize: [64, 128] });
    const f = convs.map(convFlop);
    const g = convGflop(convs, 4);
    expect(g.forward * 1e9).toBeCloseTo(4 * f.reduce((a, b) => a + b, 0), -2);
    expect(g.step * 1e9).toBeCloseTo(4 * (3 * f.reduce((a, b) => a + b, 0) - f[0]), -2);
  });
});
