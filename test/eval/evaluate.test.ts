// Evaluation end to end on real (small) networks, wasm: dataset accumulation, aggregation on/off,
// a Cityscapes-sized label, the row-blocked affinity, and no tensor leak.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { computeMetrics, confusionMatrix, evaluate, predict, predictLogits, type EvalSample } from '../../src/eval/index.js';
import { createModel, type Segmentor } from '../../src/models/index.js';
import { expectClose, expectNoLeak } from '../helpers/expect_tensors.js';

let gn: Segmentor;
let tiny: Segmentor;

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
  gn = createModel('minicity_gn', { numClasses: 4, seed: 1 });
  tiny = createModel('resnet_tiny_aspp', { numClasses: 19, seed: 2 });
});

afterAll(() => {
  gn.dispose();
  tiny.dispose();
});

/** Deterministic labels with some 255s. */
function labels(n: number, k: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + seed) % 11 === 0 ? 255 : ((i >> 4) + seed) % k;
  return out;
}

function images(): { x: tf.Tensor4D; lab: Uint8Array }[] {
  return [0, 1, 2].map((i) => ({ x: tf.randomNormal([1, 24, 40, 3], 0, 1, 'float32', 10 + i) as tf.Tensor4D, lab: labels(24 * 40, 4, i) }));
}

describe('evaluate', () => {
  it('accumulates the same confusion matrix as predict + confusionMatrix, from any sample form', async () => {
    const data = images();
    const expected = confusionMatrix([], [], 4);
    for (const d of data) {
      const p = predict(gn, d.x);
      expected.update(d.lab, p.dataSync());
      p.dispose();
    }
    async function* samples(): AsyncGenerator<EvalSample> {
      yield { image: tf.clone(data[0].x), label: data[0].lab, id: 'tensor4d' };
      yield { image: tf.squeeze(data[1].x, [0]) as tf.Tensor3D, label: { width: 40, height: 24, data: data[1].lab } };
      yield { image: { width: 40, height: 24, data: data[2].x.dataSync() as Float32Array }, label: data[2].lab };
    }
    const seen: string[] = [];
    const r = await evaluate(gn, samples(), { onImage: (e) => seen.push(`${e.index}:${e.id ?? ''}:${e.pixels}`) });
    expect(r.images).toBe(3);
    expect(r.confusion.toRows()).toEqual(expected.toRows());
    expect(r.confusion.total()).toBe(data.reduce((s, d) => s + d.lab.filter((v) => v !== 255).length, 0));
    expect(r.metrics).toEqual(computeMetrics(expected));
    expect(seen).toEqual(['0:tensor4d:960', '1::960', '2::960']);
    tf.dispose(data.map((d) => d.x));
  });

  it('runs with and without test-time aggregation, without leaking tensors', async () => {
    const data = images();
    const run = (aggregate: boolean) => evaluate(gn, data.map((d) => ({ image: tf.clone(d.x), label: d.lab })), { aggregate });
    const plain = await run(false);
    const agg = await run(true);
    expect(plain.confusion.total()).toBe(agg.confusion.total());
    expect(agg.metrics.mIoU).not.toBeNull();
    await expectNoLeak(async () => { await run(true); await run(false); }, 2);
    tf.dispose(data.map((d) => d.x));
  });

  it('scores a 1024×2048 label from a 256×512 input with aggregation, memory back to its baseline', async () => {
    const before = tf.memory();
    const label = labels(1024 * 2048, 19, 3);
    const sample: EvalSample = {
      image: tf.randomNormal([256, 512, 3], 0, 1, 'float32', 5) as tf.Tensor3D,
      label: { width: 2048, height: 1024, data: label },
    };
    const r = await evaluate(tiny, [sample], { aggregate: true });
    expect(r.confusion.total()).toBe(label.filter((v) => v !== 255).length);
    expect(r.metrics.mIoU16).not.toBeUndefined();
    expect(r.metrics.mIoU13).not.toBeUndefined();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });

  it('rejects a label of the wrong size, naming the image', async () => {
    const s: EvalSample = { image: tf.zeros([8, 8, 3]) as tf.Tensor3D, label: { width: 8, height: 9, data: new Uint8Array(64) }, id: 'aachen_1' };
    await expect(evaluate(gn, [s])).rejects.toThrow(/label of image "aachen_1" has 64 values, expected 9×8/);
  });
});

describe('aggregation above the dense limit', () => {
  it('switches to row blocks automatically (40×80 grid: 10 M affinity entries) and matches the dense path', () => {
    const x = tf.randomNormal([1, 160, 320, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const auto = predictLogits(gn, x, { aggregate: true, outputSize: [40, 80] });
    const dense = predictLogits(gn, x, { aggregate: true, outputSize: [40, 80], blockRows: 'none' });
    expectClose(auto.dataSync(), dense.dataSync(), 1e-4, 'blocked vs dense');
    tf.dispose([x, auto, dense]);
  });
});
