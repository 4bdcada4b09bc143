// Export round trip: every small registry model is exported, loaded back with the stock loader of
// `@tensorflow/tfjs` (over http from 127.0.0.1, as a browser loads it: model.json, then the
// shards) and run on the same input; logits must match `model.apply(x, {training: false})`.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { exportModel, exportedModelHandler, type GraphModelJson } from '../../src/export/index.js';
import { createModel, modelInfo, type ModelName, type NormKind } from '../../src/models/index.js';
import { labelMismatches, maxRelDiff, randomizeNorms, reference } from './helpers.js';
import { serveDirectory, type StaticServer } from './static_server.js';

let root: string;
let server: StaticServer;

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
  root = mkdtempSync(join(tmpdir(), 'plca-export-'));
  server = await serveDirectory(root);
});

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const CASES: Array<[ModelName, NormKind | undefined]> = [
  ['minicity_gn', undefined], ['minicity_bn', undefined], ['resnet_tiny_aspp', undefined], ['resnet_tiny_aspp', 'gn'],
];
// Odd sizes: the ceil-mode max-pool then pads unevenly, stride-2 convs drop a column.
const SIZE: [number, number] = [37, 50];
const SHARD = 64 * 1024; // small shards, so tensors straddle shard boundaries

describe.each(CASES)('%s (norm %s)', (name, norm) => {
  it('loads with tf.loadGraphModel over http and gives the same logits and labels', async () => {
    const model = createModel(name, { numClasses: 6, seed: 11, norm });
    randomizeNorms(model, 5);
    const dir = join(root, `${name}_${norm ?? 'default'}`);
    const before = tf.memory().numTensors;
    const res = exportModel(model, dir, { inputSize: SIZE, labels: true, shardBytes: SHARD });
    expect(tf.memory().numTensors, 'export creates no tensors').toBe(before);
    expect(res.featureGrid).toEqual(modelInfo(name, { numClasses: 6, inputSize: SIZE, norm }).featureGrid);

    const gm = await tf.loadGraphModel(`${server.url}/${name}_${norm ?? 'default'}/model.json`);
    const json = JSON.parse(readFileSync(res.modelJson, 'utf8')) as GraphModelJson;
    for (const p of json.weightsManifest[0].paths) expect(server.requests).toContain(`/${name}_${norm ?? 'default'}/${p}`);
    expect(gm.inputs[0].shape).toEqual([-1, ...SIZE, 3]);
    expect(gm.outputs.map((o) => o.name)).toEqual(['logits', 'labels']);

    const x = tf.randomNormal([2, ...SIZE, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const [logits, labels] = gm.execute(x) as tf.Tensor[];
    const ref = reference(model, x);
    expect(logits.shape).toEqual(ref.logits.shape);
    expect(labels.dtype).toBe('int32');
    expect(labels.shape).toEqual([2, ...SIZE]);
    expect(maxRelDiff(logits, ref.logits), `${name} logits`).toBeLessThanOrEqual(1e-4);
    const mm = labelMismatches(model, x, labels);
    expect(mm.unexplained, `${mm.differ} differing labels`).toBe(0);
    expect(mm.differ).toBeLessThanOrEqual(2);

    tf.dispose([x, logits, labels, ref.logits, ref.labels]);
    gm.dispose();
    model.dispose();
  }, 20_000);
});

describe('files as written', () => {
  it('model.json is a standard graph-model with a weightsManifest that matches the shards', () => {
    const model = createModel('resnet_tiny_aspp', { numClasses: 4, seed: 2 });
    const dir = join(root, 'layout');
    const res = exportModel(model, dir, { inputSize: [32, 32], shardBytes: SHARD });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as GraphModelJson;
    expect(json.format).toBe('graph-model');
    expect(Object.keys(json.signature.inputs)).toEqual(['x']);
    expect(Object.keys(json.signature.outputs)).toEqual(['logits']);
    const [group] = json.weightsManifest;
    const bytes = group.weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
    const sizes = group.paths.map((p) => statSync(join(dir, p)).size);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(bytes);
    expect(res.weightBytes).toBe(bytes);
    expect(Math.max(...sizes)).toBe(SHARD);
    expect(group.paths).toEqual(sizes.map((_, i) => `group1-shard${i + 1}of${sizes.length}.bin`));
    expect(readdirSync(dir).sort()).toEqual([...group.paths, 'model.json'].sort());
    // BN is folded: one weight and one bias per conv, no BN variable in the graph.
    const names = group.weights.map((w) => w.name);
    expect(names.some((n) => /bn|downsample\.1|running/.test(n))).toBe(false);
    const ops = new Set((json.modelTopology.node as Array<{ op: string }>).map((n) => n.op));
    expect([...ops].sort()).toEqual(['AddN', 'AddV2', 'Const', 'Identity', 'MaxPool', 'PadV2', 'Placeholder', 'Relu', '_FusedConv2D', 'Conv2D'].sort());
    expect((json.userDefinedMetadata.plca as { featureGrid: number[] }).featureGrid).toEqual(res.featureGrid);
    model.dispose();
  });

  it('the Node file handler loads the same files and gives the same logits', async () => {
    const model = createModel('minicity_bn', { numClasses: 3, seed: 4 });
    randomizeNorms(model, 9);
    const dir = join(root, 'file_handler');
    exportModel(model, dir, { inputSize: [24, 20] });
    const gm = await tf.loadGraphModel(exportedModelHandler(dir));
    const x = tf.randomNormal([1, 24, 20, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const out = gm.predict(x) as tf.Tensor;
    const ref = reference(model, x);
    expect(maxRelDiff(out, ref.logits)).toBeLessThanOrEqual(1e-4);
    tf.dispose([x, out, ref.logits, ref.labels]);
    gm.dispose();
    model.dispose();
  });

  it('refuses an input of another size (the graph is built for its inputSize)', async () => {
    const model = createModel('minicity_gn', { numClasses: 3, seed: 4 });
    const dir = join(root, 'fixed_size');
    exportModel(model, dir, { inputSize: [16, 16] });
    const gm = await tf.loadGraphModel(exportedModelHandler(dir));
    const x = tf.zeros([1, 20, 16, 3]);
    expect(() => gm.execute(x)).toThrow(/shape/);
    tf.dispose(x);
    gm.dispose();
    model.dispose();
  });
});
