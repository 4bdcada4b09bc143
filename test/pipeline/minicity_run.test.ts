// The shipped CPU smoke config (configs/tiny_cpu_debug.ts: generated MiniCity, 9-class head, full
// PLCA objective) through runTraining → runEvaluation → predictImage, on wasm.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { loadConfig } from '../../src/config/index.js';
import { initEngine } from '../../src/engine/index.js';
import { MINICITY_TRAIN_IDS, generateSet, setSample } from '../../src/minicity/index.js';
import { loadModelForInference, predictImage, runEvaluation, runTraining } from '../../src/pipeline/index.js';
import type { TrainEvent } from '../../src/train/index.js';

let out: string;

beforeAll(async () => {
  await initEngine({ backend: 'wasm', threads: 1 });
  out = mkdtempSync(join(tmpdir(), 'plca-pipe-mc-'));
});

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('configs/tiny_cpu_debug.ts through the pipeline', () => {
  it('trains, validates, evaluates and predicts in MiniCity\'s 9 classes', async () => {
    const cfg = await loadConfig('configs/tiny_cpu_debug.ts', ['runtime.backend="wasm"', 'runtime.threads=1']);
    expect(cfg.data.source.dataset).toBe('minicity');
    const before = tf.memory().numTensors;
    const events: TrainEvent[] = [];
    const r = await runTraining(cfg, { outDir: out, onEvent: (e) => events.push(e) });
    expect(r.step).toBe(cfg.train.maxIters);
    expect(r.losses.every(Number.isFinite)).toBe(true);
    const step = events.find((e) => e.type === 'step') as Extract<TrainEvent, { type: 'step' }>;
    expect(Object.keys(step.terms)).toEqual(expect.arrayContaining(['ce', 'lovasz', 'fass', 'cass', 'lsrS', 'lsrT']));
    const vals = events.filter((e) => e.type === 'validation') as Extract<TrainEvent, { type: 'validation' }>[];
    expect(vals.map((v) => v.step)).toEqual([2, 4]);
    r.model.dispose();

    const ev = await runEvaluation({ checkpoint: out });
    expect(tf.memory().numTensors).toBe(before);
    expect(ev.images).toBe(cfg.data.minicity.valImages);
    expect(ev.metrics.classNames).toEqual(['road', 'sidewalk', 'building', 'pole', 'traffic sign', 'vegetation', 'sky', 'person', 'car']);
    expect(ev.metrics.mIoU16).toBeUndefined();
    // The in-training validation at the last step saw the same model on the same set.
    expect(ev.metrics.mIoU).toBeCloseTo(vals[1].metrics.mIoU, 6);

    const { model, cfg: ckCfg } = await loadModelForInference(out);
    const set = generateSet({ count: 1, seed: 5, domain: 'target', width: 64, height: 32 });
    const p = predictImage(model, ckCfg, { width: 64, height: 32, channels: 3, data: setSample(set, 0).image });
    expect(p.labels).toHaveLength(64 * 32);
    // The same weights handed over as a model, and as the config's pretrained weights.
    const asModel = await runEvaluation({ cfg: ckCfg, model });
    expect(asModel.confusion.toRows()).toEqual(ev.confusion.toRows());
    expect(asModel.checkpoint).toBeNull();
    model.dispose();
    const asPretrained = await runEvaluation({ cfg: { ...ckCfg, model: { ...ckCfg.model, pretrained: ev.checkpoint } } });
    expect(asPretrained.confusion.toRows()).toEqual(ev.confusion.toRows());
    expect([...new Set(p.labels)].every((v) => MINICITY_TRAIN_IDS.includes(v))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
