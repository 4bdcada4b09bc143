// exportFromCheckpoint on a checkpoint the trainer wrote, and the export's errors and
// overwrite behaviour.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { initEngine } from '../../src/engine/index.js';
import { exportFromCheckpoint, exportModel, exportedModelHandler, type GraphModelJson } from '../../src/export/index.js';
import { createModel } from '../../src/models/index.js';
import { saveCheckpoint, snapshotTensors, train } from '../../src/train/index.js';
import { SyntheticStream } from '../../src/train/synthetic_stream.js';
import { PlcaError } from '../../src/util/errors.js';
import { maxRelDiff, reference } from './helpers.js';

let root: string;
beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
  root = mkdtempSync(join(tmpdir(), 'plca-export-ck-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function plcaError(fn: () => unknown): PlcaError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PlcaError);
    return e as PlcaError;
  }
  throw new Error('expected a PlcaError');
}

describe('exportFromCheckpoint', () => {
  it('rebuilds a trained BN model from its checkpoint and config; the export matches the trained model', async () => {
    const cfg = resolveConfig({
      model: { name: 'resnet_tiny_aspp', numClasses: 3 },
      method: { mode: 'source_only' },
      data: { target: null, evalSize: [33, 41] },
      train: { maxIters: 2, polyHorizon: 2, gradAccum: 1, batchSize: 2, checkpointInterval: 100, valInterval: null, logInterval: 1 },
    });
    const runDir = join(root, 'run');
    const source = new SyntheticStream({ batchSize: 2, height: 24, width: 32, numClasses: 3, seed: 1 });
    const { model, step } = await train(cfg, { source, outDir: runDir });
    // Training moved the BN statistics away from their init, so the fold is exercised.
    expect(model.state.get('backbone.bn1.running_mean')!.dataSync().some((v) => v !== 0)).toBe(true);

    const out = join(root, 'from_ckpt');
    const res = exportFromCheckpoint(runDir, out, { labels: true });
    expect(res.step).toBe(step);
    expect(res.inputSize).toEqual([33, 41]); // the config's data.evalSize
    const meta = (JSON.parse(readFileSync(res.modelJson, 'utf8')) as GraphModelJson).userDefinedMetadata.plca as Record<string, unknown>;
    expect(meta).toMatchObject({ model: 'resnet_tiny_aspp', numClasses: 3, norm: 'bn', step, normalization: cfg.data.normalization });

    const gm = await tf.loadGraphModel(exportedModelHandler(out));
    const x = tf.randomNormal([1, 33, 41, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const [logits] = gm.execute(x) as tf.Tensor[];
    const ref = reference(model, x);
    expect(maxRelDiff(logits, ref.logits)).toBeLessThanOrEqual(1e-4);
    tf.dispose([x, logits, ref.logits, ref.labels]);
    gm.dispose();
    model.dispose();
  }, 30_000);

  it('names the checkpoint when it does not fit the model its config names', () => {
    const m = createModel('minicity_gn', { numClasses: 4, seed: 1 });
    const dir = join(root, 'bad_ckpt');
    const cfgFor = (k: number) => ({ model: { name: 'minicity_gn', numClasses: k } });
    saveCheckpoint(dir, { step: 1, modelName: 'minicity_gn', config: cfgFor(5), groups: { params: snapshotTensors(m.params), state: new Map() }, streams: {} });
    const e = plcaError(() => exportFromCheckpoint(dir, join(root, 'bad_out'), { inputSize: [16, 16] }));
    expect(e.code).toBe('PLCA_CHECKPOINT_INVALID');
    expect(e.message).toContain('classifier.weight');
    expect(existsSync(join(root, 'bad_out'))).toBe(false);

    saveCheckpoint(dir, { step: 2, modelName: 'minicity_gn', config: {}, groups: { params: snapshotTensors(m.params) }, streams: {} });
    expect(plcaError(() => exportFromCheckpoint(dir, join(root, 'bad_out'), { inputSize: [16, 16] })).message).toContain('config.model.numClasses');

    saveCheckpoint(dir, { step: 3, modelName: 'no_such_net', config: cfgFor(4), groups: { params: snapshotTensors(m.params) }, streams: {} });
    expect(plcaError(() => exportFromCheckpoint(dir, join(root, 'bad_out'), { inputSize: [16, 16] })).message).toContain('unknown model "no_such_net"');

    saveCheckpoint(dir, { step: 4, modelName: 'minicity_gn', config: cfgFor(4), groups: { params: snapshotTensors(m.params) }, streams: {} });
    expect(plcaError(() => exportFromCheckpoint(dir, join(root, 'bad_out'))).message).toContain('no inputSize');
    expect(plcaError(() => exportFromCheckpoint(join(root, 'missing'), join(root, 'bad_out'))).code).toBe('PLCA_FILE_NOT_FOUND');
    m.dispose();
  });
});

describe('exportModel errors and overwrite', () => {
  it('rejects bad options with the value in the message', () => {
    const m = createModel('minicity_bn', { numClasses: 2, seed: 1 });
    const out = join(root, 'opts');
    for (const s of [[0, 16], [16.5, 16], [16]] as unknown as Array<[number, number]>) {
      const e = plcaError(() => exportModel(m, out, { inputSize: s }));
      expect(e.code).toBe('PLCA_INVALID_ARGUMENT');
      expect(e.message).toContain(JSON.stringify(s));
    }
    const f = plcaError(() => exportModel(m, out, { inputSize: [16, 16], format: 'layers-model' as never }));
    expect(f.message).toContain('unknown format "layers-model"');
    expect(plcaError(() => exportModel(m, out, { inputSize: [16, 16], shardBytes: 0 })).message).toContain('shardBytes');
    expect(existsSync(out)).toBe(false);
    m.dispose();
    expect(plcaError(() => exportModel(m, out, { inputSize: [16, 16] })).message).toContain('disposed');
  });

  it('refuses a model whose variables differ from the structure the exporter plans, naming the variable', () => {
    const m = createModel('resnet_tiny_aspp', { numClasses: 2, seed: 1 });
    const v = m.params.get('backbone.layer2.0.conv2.weight')!;
    m.params.delete('backbone.layer2.0.conv2.weight');
    let e = plcaError(() => exportModel(m, join(root, 'mismatch'), { inputSize: [16, 16] }));
    expect(e.code).toBe('PLCA_INTERNAL');
    expect(e.message).toContain('"backbone.layer2.0.conv2.weight", which the model lacks');
    m.params.set('backbone.layer2.0.conv2.weight', v);
    m.params.set('backbone.extra.weight', v);
    e = plcaError(() => exportModel(m, join(root, 'mismatch'), { inputSize: [16, 16] }));
    expect(e.message).toContain('"backbone.extra.weight", which the exporter\'s plan lacks');
    m.params.delete('backbone.extra.weight');
    m.dispose();
  });

  it('keeps an existing export unless asked to overwrite, then replaces its shards and keeps other files', () => {
    const m = createModel('minicity_bn', { numClasses: 2, seed: 1 });
    const out = join(root, 'overwrite');
    exportModel(m, out, { inputSize: [16, 16], shardBytes: 100_000 }); // several shards
    const first = readdirSync(out).filter((f) => f.endsWith('.bin'));
    expect(first.length).toBeGreaterThan(1);
    writeFileSync(join(out, 'README.txt'), 'mine');
    expect(plcaError(() => exportModel(m, out, { inputSize: [16, 16] })).message).toContain('already exists');
    exportModel(m, out, { inputSize: [16, 16], overwrite: true }); // one 4 MiB shard
    expect(readdirSync(out).sort()).toEqual(['README.txt', 'group1-shard1of1.bin', 'model.json']);
    expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]); // no temp dirs left
    m.dispose();
  });
});
