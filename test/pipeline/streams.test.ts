// streamsFromConfig and the validation set: MiniCity generated and re-normalised, dataset labels
// mapped into the head's class space, target streams without labels, resumable, no leak.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig, type ResolvedConfig, type UserConfig } from '../../src/config/index.js';
import { createLoader, openDataset } from '../../src/data/index.js';
import { initEngine } from '../../src/engine/index.js';
import { createMiniCityStream, deriveSeed, generateSet, writeCityscapesLayout } from '../../src/minicity/index.js';
import { createModel } from '../../src/models/index.js';
import {
  configValidator, headClasses, miniCitySet, streamsFromConfig, trainIdToHeadLut, valSamplesFromConfig,
} from '../../src/pipeline/index.js';
import type { Batch } from '../../src/data/index.js';
import { PlcaError } from '../../src/util/errors.js';
import { expectClose } from '../helpers/expect_tensors.js';

const SIZE: [number, number] = [32, 64];
let csRoot: string;

function miniCfg(extra: UserConfig = {}): ResolvedConfig {
  return resolveConfig({
    model: { name: 'minicity_gn', numClasses: 9 },
    data: {
      source: { dataset: 'minicity', root: 'minicity', split: 'source_train' },
      target: { dataset: 'minicity', root: 'minicity', split: 'target_train' },
      val: { dataset: 'minicity', root: 'minicity', split: 'target_val' },
      crop: SIZE, evalSize: SIZE,
      normalization: { channelOrder: 'rgb', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
      minicity: { trainImages: 4, valImages: 3, size: SIZE, targetGap: 0.6 },
      ...extra.data,
    },
    method: { mode: 'plca', ...extra.method },
    train: { batchSize: 2, seed: 4, maxIters: 2, polyHorizon: 2 },
    runtime: { backend: 'wasm', threads: 1 },
  });
}

const disposeBatch = (b: Batch) => tf.dispose([b.images, ...(b.labels ? [b.labels] : [])]);

beforeAll(async () => {
  await initEngine({ backend: 'wasm', threads: 1 });
  csRoot = mkdtempSync(join(tmpdir(), 'plca-streams-'));
  writeCityscapesLayout(generateSet({ count: 3, seed: 3, domain: 'source', width: 64, height: 32 }), csRoot, { split: 'train' });
});

afterAll(() => rmSync(csRoot, { recursive: true, force: true }));

describe('streamsFromConfig', () => {
  it('MiniCity: the generated set, normalised as the config says, labels as head indices, target unlabelled', async () => {
    const cfg = miniCfg();
    const before = tf.memory().numTensors;
    const s = streamsFromConfig(cfg);
    // The same set and seed (the source stream's is derived from train.seed) through MiniCity's own
    // default (x/255 − 0.5)/0.25 normalisation: the same bits.
    const ref = createMiniCityStream(miniCitySet(cfg.data, 'source_train', 'data.source'), { batchSize: 2, seed: deriveSeed(4, 1) });
    const lut = trainIdToHeadLut(headClasses(9));
    for (let i = 0; i < 3; i++) { // 3 batches of 2 over 4 images: crosses an epoch
      const [a, b] = [await s.source.next(), await ref.next()];
      expect(a.images.shape).toEqual([2, ...SIZE, 3]);
      expect(Array.from(a.images.dataSync()), `batch ${i}`).toEqual(Array.from(b.images.dataSync()));
      expect(Array.from(a.labels!.dataSync())).toEqual(Array.from(b.labels!.dataSync(), (v) => lut[v]));
      expect(Math.max(...a.labels!.dataSync())).toBeLessThan(9);
      [a, b].forEach(disposeBatch);
    }
    // Each batch gives the event loop a turn, so a SIGINT handler (→ AbortSignal) can run.
    let turned = false;
    setImmediate(() => { turned = true; });
    const t = await s.target!.next();
    expect(turned).toBe(true);
    expect(t.labels).toBeUndefined();
    disposeBatch(t);
    await s.close();
    await s.close();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('MiniCity with Caffe BGR normalisation: channels reversed, 0–255 minus the mean', async () => {
    const caffe = { channelOrder: 'bgr' as const, scale: 1, mean: [104, 117, 123] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
    const cfg = miniCfg({ data: { normalization: caffe } });
    const s = streamsFromConfig(cfg, { withTarget: false });
    expect(s.target).toBeUndefined();
    const raw = createMiniCityStream(miniCitySet(cfg.data, 'source_train', 'data.source'), { batchSize: 2, seed: deriveSeed(4, 1), normalize: false });
    const [a, b] = [await s.source.next(), await raw.next()];
    const want = tf.tidy(() => tf.sub(tf.mul(tf.reverse(b.images, 3), 255), tf.tensor1d([104, 117, 123])));
    expectClose(a.images.dataSync(), want.dataSync(), 1e-4);
    [a, b].forEach(disposeBatch);
    want.dispose();
  });

  it('datasets: a 16-class head gets SYNTHIA indices (ignore = method.ignoreIndex); state/restore replays', async () => {
    const cfg = resolveConfig({
      model: { name: 'minicity_gn', numClasses: 16 },
      data: {
        source: { dataset: 'cityscapes', root: csRoot, split: 'train' },
        target: { dataset: 'cityscapes', root: csRoot, split: 'train' },
        resizeShort: [32, 32], crop: [40, 72], workers: 0, // the crop pads: label 255 → 250
      },
      method: { mode: 'plca', ignoreIndex: 250 },
      train: { batchSize: 2, seed: 1 },
    });
    const s = streamsFromConfig(cfg);
    const ref = createLoader({
      dataset: openDataset({ dataset: 'cityscapes', root: csRoot, split: 'train' }), batchSize: 2, seed: 4, mode: 'train', workers: 0,
      augment: { minSize: 32, maxSize: 32, cropSize: [40, 72], flipProb: 0.5 }, normalize: cfg.data.normalization,
    });
    const lut = trainIdToHeadLut(headClasses(16), 250);
    const state = s.source.state();
    const a = await s.source.next();
    const b = await ref.next();
    expect(Array.from(a.images.dataSync())).toEqual(Array.from(b.images.dataSync()));
    const got = Array.from(a.labels!.dataSync());
    expect(got).toEqual(Array.from(b.labels!.dataSync(), (v) => lut[v]));
    expect(got).toContain(250);
    expect(got).toContain(12); // car: train id 13, SYNTHIA-16 index 12
    s.source.restore(state);
    const again = await s.source.next();
    expect(Array.from(again.labels!.dataSync())).toEqual(got);
    const t = await s.target!.next();
    expect(t.labels).toBeUndefined(); // Cityscapes has labels; a target stream drops them
    [a, b, again, t].forEach(disposeBatch);
    await Promise.all([s.close(), ref.close()]);
  });

  it('refuses unknown MiniCity splits, head sizes without classes, and a target without data.target', () => {
    const badSplit = miniCfg({ data: { source: { dataset: 'minicity', root: 'm', split: 'train' } } });
    expect(() => streamsFromConfig(badSplit)).toThrow(/data\.source\.split "train" is not a MiniCity split/);
    const k7 = resolveConfig({ ...miniCfg(), model: { name: 'minicity_gn', numClasses: 7 } });
    expect(() => streamsFromConfig(k7)).toThrow(PlcaError);
    const noTarget = miniCfg({ data: { target: null }, method: { mode: 'source_only' } });
    expect(streamsFromConfig(noTarget).target).toBeUndefined();
    expect(() => streamsFromConfig(noTarget, { withTarget: true })).toThrow(/data\.target is null/);
  });
});

describe('validation set', () => {
  it('MiniCity val: full-size compact labels, the eval size, a limit; the validator logs mIoU and per-class IoU', async () => {
    const cfg = miniCfg({ data: { evalSize: [16, 32] } });
    const v = valSamplesFromConfig(cfg, { limit: 2 });
    expect(v.count).toBe(2);
    const seen = [];
    for await (const s of v.samples()) seen.push(s);
    expect(seen).toHaveLength(2);
    const s0 = seen[0] as unknown as { image: { width: number; height: number }; label: { width: number; height: number; data: Uint8Array } };
    expect([s0.image.height, s0.image.width]).toEqual([16, 32]);
    expect([s0.label.height, s0.label.width]).toEqual(SIZE);
    expect(Math.max(...s0.label.data.filter((x) => x !== 255))).toBeLessThan(9);

    const model = createModel('minicity_gn', { numClasses: 9, seed: 0 });
    const before = tf.memory().numTensors;
    const metrics = await configValidator(cfg)(model, 0);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    expect(metrics.mIoU).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(metrics.pixelAccuracy)).toBe(true);
    expect(Object.keys(metrics).filter((k) => k.startsWith('iou.')).every((k) => /^iou\.(road|sidewalk|building|pole|traffic sign|vegetation|sky|person|car)$/.test(k))).toBe(true);
    expect(metrics.mIoU16).toBeUndefined(); // a 9-class head has no SYNTHIA protocol
  });
});
