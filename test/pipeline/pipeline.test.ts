// src/pipeline end to end on wasm: MiniCity written as Cityscapes trees → runTraining (a tiny net,
// a few updates, validation) → runEvaluation from the checkpoint → predictImage; abort closes
// the streams and resumes; no tensor growth anywhere.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig, type ResolvedConfig, type UserConfig } from '../../src/config/index.js';
import { CLASS_NAMES, DataLoader, cityscapesDataset, evalResize, loadSample, normalizeImage } from '../../src/data/index.js';
import { initEngine } from '../../src/engine/index.js';
import { confusionMatrix, predict } from '../../src/eval/index.js';
import { generateSet, writeCityscapesLayout } from '../../src/minicity/index.js';
import { loadModelForInference, predictImage, runEvaluation, runTraining } from '../../src/pipeline/index.js';
import type { TrainEvent } from '../../src/train/index.js';
import { PlcaError } from '../../src/util/errors.js';

const H = 32;
const W = 64;
const tmp: string[] = [];
const mk = (p: string) => { const d = mkdtempSync(join(tmpdir(), p)); tmp.push(d); return d; };
let srcRoot: string;
let tgtRoot: string;
let runDir: string;

function config(extra: UserConfig = {}): ResolvedConfig {
  const base: UserConfig = {
    model: { name: 'minicity_gn', numClasses: 19 },
    data: {
      source: { dataset: 'cityscapes', root: srcRoot, split: 'train' },
      target: { dataset: 'cityscapes', root: tgtRoot, split: 'train' },
      val: { dataset: 'cityscapes', root: tgtRoot, split: 'val' },
      resizeShort: [32, 40], crop: [32, 48], flip: true,
      // Not the image size, so evaluation visibly resizes the input and upsamples the logits.
      evalSize: [24, 48],
      normalization: { channelOrder: 'rgb', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
      workers: 0,
    },
    method: { mode: 'plca', weights: { association: 0.02 }, associationScale: 0.5 },
    optim: { lr: 0.01 },
    train: { maxIters: 3, polyHorizon: 3, batchSize: 2, gradAccum: 1, checkpointInterval: 100, valInterval: 2, logInterval: 1 },
    runtime: { backend: 'wasm', threads: 1 },
  };
  return resolveConfig({ ...base, ...extra, data: { ...base.data, ...extra.data }, train: { ...base.train, ...extra.train } });
}

async function plcaError(p: Promise<unknown>): Promise<PlcaError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(PlcaError);
  return e as PlcaError;
}

beforeAll(async () => {
  await initEngine({ backend: 'wasm', threads: 1 });
  srcRoot = mk('plca-pipe-src-');
  tgtRoot = mk('plca-pipe-tgt-');
  runDir = mk('plca-pipe-run-');
  const size = { width: W, height: H };
  writeCityscapesLayout(generateSet({ count: 4, seed: 1, domain: 'source', ...size }), srcRoot, { split: 'train' });
  writeCityscapesLayout(generateSet({ count: 4, seed: 11, domain: 'target', ...size }), tgtRoot, { split: 'train' });
  writeCityscapesLayout(generateSet({ count: 3, seed: 12, domain: 'target', ...size }), tgtRoot, { split: 'val' });
});

afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

describe('runTraining', () => {
  it('trains from the config\'s dataset trees, validates every valInterval and at the end, keeps the tensor count', async () => {
    const before = tf.memory().numTensors;
    const events: TrainEvent[] = [];
    const r = await runTraining(config(), { outDir: runDir, onEvent: (e) => events.push(e) });
    expect(r.step).toBe(3);
    expect(r.engine.backend).toBe('wasm');
    expect(r.losses.every(Number.isFinite)).toBe(true);
    expect(existsSync(r.checkpoint)).toBe(true);
    const vals = events.filter((e): e is Extract<TrainEvent, { type: 'validation' }> => e.type === 'validation');
    expect(vals.map((v) => v.step)).toEqual([2, 3]);
    for (const v of vals) {
      expect(v.metrics.mIoU).toBeGreaterThanOrEqual(0);
      expect(v.metrics.mIoU).toBeLessThanOrEqual(100);
      expect(Number.isFinite(v.metrics.pixelAccuracy)).toBe(true);
      expect(Object.keys(v.metrics)).toContain('iou.road');
    }
    // Every update's source batch had labels (ce is computed) and the target terms ran.
    const step = events.find((e) => e.type === 'step') as Extract<TrainEvent, { type: 'step' }>;
    expect(Object.keys(step.terms)).toEqual(expect.arrayContaining(['ce', 'fass', 'lsrT']));
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('closes the streams on abort, writes a checkpoint, and resumes from it', async () => {
    const out = mk('plca-pipe-abort-');
    const cfg = config({ data: { workers: 1 }, train: { maxIters: 2, polyHorizon: 2, valInterval: null } });
    const close = vi.spyOn(DataLoader.prototype, 'close');
    const before = tf.memory().numTensors;
    const ac = new AbortController();
    const e = await plcaError(runTraining(cfg, {
      outDir: out, signal: ac.signal, validate: false, onEvent: (ev) => { if (ev.type === 'step') ac.abort(); },
    }));
    expect(e.code).toBe('PLCA_INTERRUPTED');
    expect(close).toHaveBeenCalledTimes(2); // source and target loaders
    expect(tf.memory().numTensors).toBe(before);
    const events: TrainEvent[] = [];
    const r = await runTraining(cfg, { outDir: out, resume: true, validate: false, onEvent: (ev) => events.push(ev) });
    expect(events[0]).toMatchObject({ type: 'start', step: 1 });
    expect(r.step).toBe(2);
    expect(close).toHaveBeenCalledTimes(4);
    close.mockRestore();
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('runEvaluation', () => {
  it('evaluates the checkpoint at the eval size on full-size labels, as predict + confusionMatrix', async () => {
    const before = tf.memory().numTensors;
    const seen: string[] = [];
    const r = await runEvaluation({ checkpoint: runDir, onProgress: (p) => seen.push(`${p.done}/${p.total}`) });
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual(['1/3', '2/3', '3/3']);
    expect(r.images).toBe(3);
    expect(r.step).toBe(3);
    expect(r.inputSize).toEqual([24, 48]);
    const m = r.metrics;
    expect(m.classNames).toEqual([...CLASS_NAMES]);
    expect(m.perClassIoU).toHaveLength(19);
    expect(m.mIoU).toBeGreaterThanOrEqual(0);
    expect(m.mIoU).toBeLessThanOrEqual(100);
    expect(m.pixelAccuracy).toBeGreaterThan(0);
    expect(m.pixels).toBe(3 * H * W);
    expect(m.mIoU16 === null || Number.isFinite(m.mIoU16)).toBe(true);
    expect(m.mIoU13 === null || Number.isFinite(m.mIoU13)).toBe(true);

    // The same numbers by hand: PIL-style resize to 24×48, normalise, logits upsampled to 32×64.
    const { model, cfg } = await loadModelForInference(runDir);
    const ds = cityscapesDataset({ root: tgtRoot, split: 'val' });
    const cm = confusionMatrix([], [], 19);
    for (let i = 0; i < ds.items.length; i++) {
      const s = loadSample(ds, i);
      const img = evalResize(s.image, [24, 48]);
      const x = tf.tensor4d(normalizeImage(img, cfg.data.normalization), [1, 24, 48, 3]);
      const p = predict(model, x, { outputSize: [H, W] });
      cm.update(s.label!, p.dataSync());
      tf.dispose([x, p]);
    }
    model.dispose();
    expect(r.confusion.toRows()).toEqual(cm.toRows());
  });

  it('aggregates, limits, and takes the input size and dataset from the caller', async () => {
    const before = tf.memory().numTensors;
    const r = await runEvaluation({ checkpoint: runDir, aggregate: true, limit: 2, inputSize: [H, W], root: srcRoot, split: 'train' });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.aggregate).toBe(true);
    expect(r.images).toBe(2);
    expect(r.inputSize).toEqual([H, W]);
    expect(r.dataset).toMatchObject({ dataset: 'cityscapes', root: srcRoot, split: 'train' });
    expect(r.metrics.pixels).toBe(2 * H * W);
    expect(Number.isFinite(r.metrics.mIoU)).toBe(true);
  });

  it('fails clearly without weights, without a val set, and on a missing checkpoint', async () => {
    expect((await plcaError(runEvaluation({}))).code).toBe('PLCA_INVALID_ARGUMENT');
    expect((await plcaError(runEvaluation({ cfg: config() }))).message).toMatch(/model\.pretrained is null/);
    const noVal = resolveConfig({ ...config(), data: { ...config().data, val: null } });
    const e = await plcaError(runEvaluation({ cfg: noVal, checkpoint: runDir }));
    expect(e.code).toBe('PLCA_CONFIG_INVALID');
    expect(e.message).toMatch(/data\.val is null/);
    const missing = join(runDir, 'nope.ckpt');
    const f = await plcaError(runEvaluation({ checkpoint: missing }));
    expect(f.code).toBe('PLCA_FILE_NOT_FOUND');
    expect(f.message).toContain(missing);
  });
});

describe('predictImage', () => {
  it('returns train ids at the image size, with or without aggregation and resizing', async () => {
    const { model, cfg, step } = await loadModelForInference(join(runDir, 'checkpoints'));
    expect(step).toBe(3);
    const before = tf.memory().numTensors;
    const w = 53;
    const h = 37;
    const data = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37) % 251);
    const image = { width: w, height: h, channels: 3 as const, data };
    for (const opts of [{}, { aggregate: true }, { inputSize: null }]) {
      const p = predictImage(model, cfg, image, opts);
      expect([p.width, p.height]).toEqual([w, h]);
      expect(p.labels).toHaveLength(w * h);
      expect(p.classNames).toEqual([...CLASS_NAMES]);
      expect(p.labels.every((v) => v < 19)).toBe(true);
      expect(p.labels).toEqual(p.classIndices); // the 19-class head is in train-id order
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(() => predictImage(model, cfg, { ...image, width: 52 })).toThrow(/RGB bytes/);
    expect(() => predictImage(model, cfg, image, { inputSize: [0, 8] })).toThrow(/inputSize/);
    model.dispose();
  });
});
