// The paper's model at its real size: parameter counts, names and feature grids.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { createModel, modelInfo, type Segmentor } from '../../src/models/index.js';

let m: Segmentor;

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
  m = createModel('deeplabv2_resnet101', { numClasses: 19, seed: 0 }); // 176 MB of weights
});

afterAll(() => m?.dispose());

describe('DeepLab-V2 / ResNet-101', () => {
  it('has 43,900,992 parameters with 19 classes (43,679,808 with 16), counted as PyTorch does', () => {
    const count = [...m.params.values()].reduce((s, v) => s + v.size, 0);
    expect(count).toBe(43_900_992);
    expect(modelInfo('deeplabv2_resnet101', { numClasses: 19, inputSize: 96 }).params).toBe(43_900_992);
    expect(modelInfo('deeplabv2_resnet101', { numClasses: 16, inputSize: 96 }).params).toBe(43_679_808);
  });

  it('has the reference\'s structure: 104 BN layers, bias-free 3×3 ASPP at 2048 → K', () => {
    // conv1 + 33 bottlenecks × 3 + 4 downsample convs = 104 convs, each followed by a BN.
    expect([...m.state.keys()].filter((k) => k.endsWith('running_mean')).length).toBe(104);
    for (let i = 0; i < 4; i++) expect(m.params.get(`classifier.aspp.${i}.weight`)!.shape).toEqual([3, 3, 2048, 19]);
    expect([...m.params.keys()].some((k) => k.startsWith('classifier') && k.endsWith('bias'))).toBe(false);
    expect(m.params.get('backbone.layer4.2.conv3.weight')!.shape).toEqual([1, 1, 512, 2048]);
    expect(m.torchNames.get('backbone.layer3.22.bn2.running_var')).toBe('backbone.layer3.22.bn2.running_var');
  });

  it('gives a 13×13 grid for 96×96 and 92×92 for 730×730 (analytic)', () => {
    expect(modelInfo('deeplabv2_resnet101', { numClasses: 19, inputSize: 96 }).featureGrid).toEqual([13, 13]);
    expect(modelInfo('deeplabv2_resnet101', { numClasses: 19, inputSize: 730 }).featureGrid).toEqual([92, 92]);
    expect(modelInfo('deeplabv2_resnet101', { numClasses: 19, inputSize: [730, 1460] }).featureGrid).toEqual([92, 183]);
  });

  it('produces the analytic grid in a real forward pass (96×96 and an odd 33×50)', () => {
    for (const [h, w] of [[96, 96], [33, 50]] as const) {
      const x = tf.randomNormal([1, h, w, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      const { features, logits } = m.apply(x, { training: false });
      const grid = modelInfo('deeplabv2_resnet101', { numClasses: 19, inputSize: [h, w] }).featureGrid;
      expect(features.shape).toEqual([1, ...grid, 2048]);
      expect(logits.shape).toEqual([1, ...grid, 19]);
      expect(Number.isFinite(logits.dataSync()[0])).toBe(true);
      tf.dispose([features, logits]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    }
    expect(modelInfo('deeplabv2_resnet101', { numClasses: 19, inputSize: [33, 50] }).featureGrid).toEqual([5, 7]);
  });
});
