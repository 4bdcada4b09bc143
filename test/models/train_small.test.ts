// The CPU networks train: a few SGD steps lower the cross-entropy on a fixed synthetic batch
// (wasm, the engine's conv/dilated-conv/resize gradients). Plain SGD, no momentum. The tiny ResNet
// needs a smaller rate: its bias-free ASPP sums four 3×3 convs over 256 unnormalised channels
// (fan-in 9,216), so lr 0.02 already diverged where lr 0.005 fell steadily (measured 1.15 → 0.57).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, resizeBilinear, softmaxCrossEntropy } from '../../src/engine/index.js';
import { createModel, type ModelName, type Segmentor } from '../../src/models/index.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

const K = 3;
const COLOURS = [[1, -1, 0], [-1, 1, 0.5], [0, 0, -1]];

/** Labels from a random 4×8 block map, upsampled ×8; image = class colour + noise. */
function batch(): { x: tf.Tensor4D; y: tf.Tensor3D } {
  return tf.tidy(() => {
    const blocks = tf.randomUniform([2, 4, 8], 0, K, 'int32', 11) as tf.Tensor3D;
    const up = tf.image.resizeNearestNeighbor(tf.expandDims(blocks, -1) as tf.Tensor4D, [32, 64]);
    const y = tf.cast(tf.squeeze(up, [3]), 'int32') as tf.Tensor3D;
    const colour = tf.gather(tf.tensor2d(COLOURS), y);
    const x = tf.add(colour, tf.randomNormal([2, 32, 64, 3], 0, 0.3, 'float32', 12)) as tf.Tensor4D;
    return { x, y };
  });
}

function loss(m: Segmentor, x: tf.Tensor4D, y: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => {
    const { logits } = m.apply(x, { training: true });
    return softmaxCrossEntropy(resizeBilinear(logits, [32, 64]), y);
  });
}

describe.each<[ModelName, number]>([['minicity_gn', 0.1], ['minicity_bn', 0.1], ['resnet_tiny_aspp', 0.005]])('%s', (name, lr) => {
  it('lowers the CE loss in 12 SGD steps, with finite gradients for every parameter, without leaking', () => {
    const m = createModel(name, { numClasses: K, seed: 0 });
    const { x, y } = batch();
    const losses: number[] = [];
    let live = 0;
    for (let step = 0; step < 12; step++) {
      const { value, grads } = tf.variableGrads(() => loss(m, x, y));
      if (step === 0) {
        expect(Object.keys(grads).length).toBe(m.params.size);
        for (const g of Object.values(grads)) expect(Number.isFinite(tf.sum(tf.abs(g)).dataSync()[0])).toBe(true);
      }
      tf.tidy(() => {
        for (const [, v] of m.params) v.assign(tf.sub(v, tf.mul(grads[v.name], lr)));
      });
      losses.push(value.dataSync()[0]);
      tf.dispose([value, ...Object.values(grads)]);
      if (step === 1) live = tf.memory().numTensors;
      if (step > 1) expect(tf.memory().numTensors).toBe(live);
    }
    // Chance level is ln 3 ≈ 1.10; the colours separate the classes, so the loss must fall well below it.
    expect(losses[11]).toBeLessThan(0.6 * losses[0]);
    tf.dispose([x, y]);
    m.dispose();
  });
});
