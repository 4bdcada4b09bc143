// The paper's network (ResNet-101 DeepLab-V2, 43.9 M parameters) through the exporter: weight
// count and layout of the written model, and the logits of the stock loader at a small input.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { DEFAULT_SHARD_BYTES, exportModel, exportedModelHandler, type GraphModelJson } from '../../src/export/index.js';
import { createModel } from '../../src/models/index.js';
import { maxRelDiff, randomizeNorms, reference } from './helpers.js';

let root: string;
beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
  root = mkdtempSync(join(tmpdir(), 'plca-export-r101-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('exports ResNet-101 DeepLab-V2: folded weight count, 4 MiB shards, same logits at 25×25', async () => {
  const t0 = Date.now();
  const model = createModel('deeplabv2_resnet101', { numClasses: 19, seed: 1 });
  randomizeNorms(model, 3);
  const params = [...model.params.values()].reduce((s, v) => s + v.size, 0);
  expect(params).toBe(43_900_992);
  // Folding removes γ and β of each BN and adds one bias of the same width.
  const bnChannels = [...model.state.entries()].filter(([n]) => n.endsWith('.running_mean')).reduce((s, [, v]) => s + v.size, 0);
  const t1 = Date.now();
  const res = exportModel(model, join(root, 'r101'), { inputSize: [25, 25] });
  const t2 = Date.now();
  const json = JSON.parse(readFileSync(res.modelJson, 'utf8')) as GraphModelJson;
  const floats = json.weightsManifest[0].weights.filter((w) => w.dtype === 'float32')
    .reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  expect(floats).toBe(params - bnChannels + 1); // + the −∞ pad value of the max-pool
  expect(res.featureGrid).toEqual([4, 4]);
  const sizes = res.shards.map((p) => statSync(p).size);
  expect(Math.max(...sizes)).toBe(DEFAULT_SHARD_BYTES);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(res.weightBytes);

  const gm = await tf.loadGraphModel(exportedModelHandler(join(root, 'r101')));
  const x = tf.randomNormal([1, 25, 25, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const logits = gm.predict(x) as tf.Tensor;
  const ref = reference(model, x);
  expect(logits.shape).toEqual([1, 4, 4, 19]);
  const rel = maxRelDiff(logits, ref.logits);
  expect(rel).toBeLessThanOrEqual(1e-4);
  console.log(`ResNet-101 export: create ${t1 - t0} ms, export ${t2 - t1} ms (${(res.weightBytes / 2 ** 20).toFixed(1)} MiB, ${res.shards.length} shards, ${res.nodes} nodes), load+run+compare ${Date.now() - t2} ms, max|Δ|/max|ref| = ${rel.toExponential(2)}`);
  tf.dispose([x, logits, ref.logits, ref.labels]);
  gm.dispose();
  model.dispose();
}, 60_000);
