import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/index.js';
import { isPlcaError } from '../util/errors.js';
import { expectNoLeak } from '../../test/helpers/expect_tensors.js';
import { createModel, modelInfo, type ModelName } from './registry.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

const SMALL: ModelName[] = ['minicity_gn', 'minicity_bn', 'resnet_tiny_aspp'];

describe.each(SMALL)('%s', (name) => {
  it('returns features and logits on the analytic grid, at odd sizes too', () => {
    const m = createModel(name, { numClasses: 5, seed: 1 });
    for (const [h, w] of [[37, 50], [64, 96]] as const) {
      const info = modelInfo(name, { numClasses: 5, inputSize: [h, w] });
      const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const { features, logits } = m.apply(x, { training: false });
      expect(features.shape).toEqual([2, ...info.featureGrid, m.featureChannels]);
      expect(logits.shape).toEqual([2, ...info.featureGrid, 5]);
      tf.dispose([x, features, logits]);
    }
    m.dispose();
  });

  it('classify(features) is the head alone: equals the logits of apply at inference', () => {
    const m = createModel(name, { numClasses: 4, seed: 2 });
    const x = tf.randomNormal([1, 32, 48, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const { features, logits } = m.apply(x, { training: false });
    const again = m.classify(features);
    expect(Array.from(again.dataSync())).toEqual(Array.from(logits.dataSync()));
    tf.dispose([x, features, logits, again]);
    m.dispose();
  });

  it('agrees with its modelInfo parameter count and does not leak across apply/classify', async () => {
    const m = createModel(name, { numClasses: 9, seed: 3 });
    const counted = [...m.params.values()].reduce((s, v) => s + v.size, 0);
    expect(counted).toBe(modelInfo(name, { numClasses: 9, inputSize: 64 }).params);
    const x = tf.randomNormal([2, 32, 32, 3]) as tf.Tensor4D;
    await expectNoLeak(() => {
      const a = m.apply(x, { training: true });
      const b = m.apply(x, { training: false });
      const c = m.classify(b.features);
      tf.dispose([a.features, a.logits, b.features, b.logits, c]);
    });
    x.dispose();
    const before = tf.memory().numTensors;
    m.dispose();
    expect(tf.memory().numTensors).toBe(before - m.params.size - m.state.size);
  });
});

describe('registry', () => {
  it('counts the MiniCity net as the notes do (≈265 k)', () => {
    // 3·32·9 + 32·48·9 + 48·64·9 + 64·96·9 + 2·96·96·9 conv weights, 2·(32+48+64+3·96) norm
    // affine, 96·9 + 9 classifier.
    const expected = 864 + 13824 + 27648 + 55296 + 2 * 82944 + 2 * 432 + 96 * 9 + 9;
    expect(modelInfo('minicity_gn', { numClasses: 9, inputSize: 64 }).params).toBe(expected);
  });

  it('BN state exists only for BN models; running stats change only in training', () => {
    const gn = createModel('minicity_gn', { numClasses: 3, seed: 0 });
    const bn = createModel('minicity-bn', { numClasses: 3, seed: 0 });
    expect(gn.state.size).toBe(0);
    expect(bn.state.size).toBe(12);
    const x = tf.randomNormal([2, 16, 16, 3]) as tf.Tensor4D;
    const rm = () => Array.from(bn.state.get('backbone.0.norm.running_mean')!.dataSync());
    const r0 = rm();
    tf.dispose(Object.values(bn.apply(x, { training: false })));
    tf.dispose(Object.values(bn.apply(x, { training: true, updateStats: false })));
    expect(rm()).toEqual(r0);
    tf.dispose(Object.values(bn.apply(x, { training: true })));
    expect(rm()).not.toEqual(r0);
    tf.dispose([x]);
    gn.dispose();
    bn.dispose();
  });

  it('rejects unknown names, bad class counts, conflicting norms, wrong inputs and use after dispose', () => {
    const code = (f: () => unknown) => {
      try { f(); } catch (e) { return isPlcaError(e) ? `${e.code}: ${e.message}` : String(e); }
      return 'no error';
    };
    expect(code(() => createModel('resnet50', { numClasses: 19, seed: 0 }))).toMatch(/PLCA_INVALID_ARGUMENT: unknown model "resnet50"; known models: deeplabv2_resnet101/);
    expect(code(() => modelInfo('minicity_gn', { numClasses: 255, inputSize: 64 }))).toMatch(/numClasses must be an integer in 1\.\.254/);
    expect(code(() => createModel('minicity_gn', { numClasses: 3, seed: 0, norm: 'bn' }))).toMatch(/fixes norm "gn"/);
    expect(code(() => modelInfo('resnet_tiny_aspp', { numClasses: 3, inputSize: 0 }))).toMatch(/positive integer, got 0/);
    const m = createModel('minicity_gn', { numClasses: 3, seed: 0 });
    const x1 = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    expect(code(() => m.apply(x1, { training: false }))).toMatch(/x must have 3 channels/);
    m.dispose();
    const x3 = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    expect(code(() => m.apply(x3, { training: false }))).toMatch(/was disposed/);
    tf.dispose([x1, x3]);
  });

  it('builds the tiny ResNet with GroupNorm on request', () => {
    const m = createModel('resnet_tiny_aspp', { numClasses: 3, seed: 0, norm: 'gn' });
    expect(m.state.size).toBe(0);
    const x = tf.randomNormal([1, 24, 24, 3]) as tf.Tensor4D;
    const out = m.apply(x, { training: true });
    expect(out.logits.shape).toEqual([1, 4, 4, 3]);
    tf.dispose([x, out.features, out.logits]);
    m.dispose();
  });
});
