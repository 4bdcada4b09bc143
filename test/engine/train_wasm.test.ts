// A small DeepLab-like net (strided convs + BN, two dilated convs, 1×1 classifier, bilinear
// upsampling, cross-entropy with ignore) trains on wasm: its loss falls, and repeated training
// steps keep the live tensor count constant.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { createStepNet } from '../../src/engine/step_net.js';

/**
 * Synthetic segmentation batch: a 4×4 grid of 8×8 blocks, each of a random class with its own
 * mean colour plus noise; a few pixels carry the ignore label 255.
 */
function makeBatch(seed: number, n = 2, size = 32, classes = 4): { x: tf.Tensor4D; labels: tf.Tensor3D } {
  const colours = [[1, -1, -1], [-1, 1, -1], [-1, -1, 1], [1, 1, -1]];
  let s = seed >>> 0;
  const rnd = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  const img = new Float32Array(n * size * size * 3);
  const lab = new Int32Array(n * size * size);
  for (let b = 0; b < n; b++) {
    const blocks = Array.from({ length: 16 }, () => Math.floor(rnd() * classes));
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) {
      const c = blocks[Math.floor(i / 8) * 4 + Math.floor(j / 8)];
      const p = (b * size + i) * size + j;
      lab[p] = rnd() < 0.05 ? 255 : c;
      for (let k = 0; k < 3; k++) img[p * 3 + k] = colours[c][k] + 0.5 * (rnd() * 2 - 1);
    }
  }
  return { x: tf.tensor4d(img, [n, size, size, 3]), labels: tf.tensor3d(lab, [n, size, size], 'int32') };
}

describe('training on wasm', () => {
  beforeAll(async () => { await initEngine({ backend: 'wasm' }); });

  it('a DeepLab-like net with dilated convs: loss falls, tensor count stays flat', () => {
    const net = createStepNet(4, 3, 8, 7);
    const batches = [makeBatch(1), makeBatch(2), makeBatch(3), makeBatch(4)];
    const losses: number[] = [];
    let tensorsAfterFirst = -1;
    for (let step = 0; step < 40; step++) {
      const { x, labels } = batches[step % batches.length];
      losses.push(net.trainStep(x, labels, 0.3));
      if (step === 0) tensorsAfterFirst = tf.memory().numTensors;
      else expect(tf.memory().numTensors, `live tensors at step ${step}`).toBe(tensorsAfterFirst);
    }
    const first = losses.slice(0, 4).reduce((a, b) => a + b) / 4;
    const last = losses.slice(-4).reduce((a, b) => a + b) / 4;
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(last, `loss ${first.toFixed(3)} → ${last.toFixed(3)}`).toBeLessThan(0.5 * first);
    // Inference with running statistics agrees with the labels on most non-ignored pixels.
    const { x, labels } = batches[0];
    const acc = tf.tidy(() => {
      const pred = tf.argMax(net.forward(x, false), -1);
      const valid = tf.notEqual(labels, 255);
      return tf.div(tf.sum(tf.cast(tf.logicalAnd(tf.equal(pred, labels), valid), 'float32')), tf.sum(tf.cast(valid, 'float32'))).dataSync()[0];
    });
    expect(acc, `accuracy with running statistics; losses ${losses.map((l) => l.toFixed(2)).join(' ')}`).toBeGreaterThan(0.8);
    net.dispose();
    for (const b of batches) tf.dispose([b.x, b.labels]);
  });
});
