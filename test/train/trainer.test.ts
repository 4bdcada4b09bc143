// The trainer end to end on generated data, wasm backend: learning, logs, NaN stop, interrupt,
// validation, LR multiplier, gradient accumulation, and no tensor growth across updates.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/index.js';
import { createModel, type Segmentor } from '../../src/models/index.js';
import { resolveConfig, type UserConfig } from '../../src/config/index.js';
import { PlcaMethod } from '../../src/method/index.js';
import { train, loadCheckpoint, resolveCheckpointPath, type TrainEvent } from '../../src/train/index.js';
import { SyntheticStream } from '../../src/train/synthetic_stream.js';
import { PlcaError } from '../../src/util/errors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

const K = 4;
const H = 16;
const W = 32;
const tmp = () => mkdtempSync(join(tmpdir(), 'plca-train-'));
const source = (seed = 1, batchSize = 2) => new SyntheticStream({ batchSize, height: H, width: W, numClasses: K, seed });

function config(extra: UserConfig = {}, overrides: string[] = []) {
  const base: UserConfig = {
    model: { name: 'minicity_gn', numClasses: K },
    method: { mode: 'source_only' },
    data: { target: null },
    optim: { lr: 0.003 },
    train: { maxIters: 6, polyHorizon: 6, gradAccum: 1, batchSize: 2, checkpointInterval: 100, valInterval: null, logInterval: 2 },
  };
  return resolveConfig({ ...base, ...extra, train: { ...base.train, ...extra.train } }, overrides);
}

async function catchPlca(p: Promise<unknown>): Promise<PlcaError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PlcaError);
    return e as PlcaError;
  }
  throw new Error('expected a PlcaError');
}

/** Mean CE of a fixed model on fixed held-out batches. */
async function heldOutLoss(model: Segmentor): Promise<number> {
  const m = new PlcaMethod(model, config().method);
  const s = source(99, 4);
  let sum = 0;
  for (let i = 0; i < 3; i++) {
    const b = await s.next();
    sum += tf.tidy(() => m.forward({ source: b }).terms.ce.dataSync()[0]);
    tf.dispose([b.images, b.labels!]);
  }
  return sum / 3;
}

describe('train', () => {
  it('lowers the held-out loss in a few updates, logs every record, keeps the tensor count flat', async () => {
    const out = tmp();
    const model = createModel('minicity_gn', { numClasses: K, seed: 0 });
    const before = await heldOutLoss(model);
    const counts: number[] = [];
    const events: TrainEvent[] = [];
    const cfg = config({ train: { maxIters: 30, polyHorizon: 40 } }, ['optim.lr=0.005']);
    const r = await train(cfg, { source: source(), outDir: out, model }, {
      onEvent: (e) => { events.push(e); if (e.type === 'step') counts.push(tf.memory().numTensors); },
    });
    const after = await heldOutLoss(model);
    expect(after, `held-out CE ${before} → ${after}`).toBeLessThan(0.8 * before);
    expect(r.step).toBe(30);
    expect(r.losses).toHaveLength(30);
    // After the first update (which creates the momentum buffers) nothing accumulates.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(events.filter((e) => e.type === 'step')).toHaveLength(30);
    const lines = readFileSync(join(out, 'train_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].type).toBe('start');
    expect(lines.filter((l) => l.type === 'step').map((l) => l.step)).toEqual(Array.from({ length: 15 }, (_, i) => 2 * i + 2));
    const step = lines.find((l) => l.type === 'step');
    expect(Object.keys(step.terms)).toEqual(['ce']);
    expect(step.lr).toBeCloseTo(0.005 * (1 - 1 / 40) ** 0.9, 12);
    expect(lines.at(-1).type).toBe('end');
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toEqual(cfg);
    expect(loadCheckpoint(r.checkpoint).step).toBe(30);
    model.dispose();
  });

  it('stops on a NaN loss, naming the term, and keeps the last good checkpoint', async () => {
    const out = tmp();
    const events: TrainEvent[] = [];
    const cfg = config({ train: { checkpointInterval: 2 } }, ['debug.injectNanAtStep=3', 'debug.injectNanTerm=ce']);
    const model = createModel('minicity_gn', { numClasses: K, seed: 0 });
    const tensors = tf.memory().numTensors;
    const e = await catchPlca(train(cfg, { source: source(), outDir: out, model }, { onEvent: (ev) => events.push(ev) }));
    expect(tf.memory().numTensors, 'momentum buffers, gradients and batches freed').toBe(tensors);
    expect(e.code).toBe('PLCA_NAN_LOSS');
    expect(e.message).toContain('"ce"');
    expect(e.message).toContain('update 4');
    expect(e.hint).toContain('step_0000002.ckpt');
    expect(loadCheckpoint(resolveCheckpointPath(join(out, 'checkpoints'))).step).toBe(2);
    expect(events.at(-1)).toMatchObject({ type: 'nan', step: 3, term: 'ce' });
    // Nothing of the bad update was applied: the weights are still finite.
    for (const v of model.params.values()) expect(tf.tidy(() => tf.all(tf.isFinite(v)).dataSync()[0])).toBe(1);
    model.dispose();
  });

  it('an abort writes a checkpoint and throws PLCA_INTERRUPTED', async () => {
    const out = tmp();
    const ctl = new AbortController();
    const model = createModel('minicity_gn', { numClasses: K, seed: 0 });
    const e = await catchPlca(train(config(), { source: source(), outDir: out, model }, {
      signal: ctl.signal, onEvent: (ev) => { if (ev.type === 'step' && ev.step === 2) ctl.abort(); },
    }));
    expect(e.code).toBe('PLCA_INTERRUPTED');
    expect(e.message).toContain('step_0000002.ckpt');
    expect(loadCheckpoint(join(out, 'checkpoints')).step).toBe(2);
    model.dispose();
  });

  it('validates every valInterval updates and at the end', async () => {
    const seen: number[] = [];
    const model = createModel('minicity_gn', { numClasses: K, seed: 0 });
    const r = await train(config({ train: { maxIters: 5, polyHorizon: 5, valInterval: 2 } }), {
      source: source(), outDir: tmp(), model, validate: (_m, step) => { seen.push(step); return { mIoU: step / 10 }; },
    });
    expect(seen).toEqual([2, 4, 5]);
    expect(r.lastValidation).toEqual({ mIoU: 0.5 });
    model.dispose();
  });

  it('gives the classifier classifierLrMult × the learning rate', async () => {
    const delta = async (mult: number) => {
      const model = createModel('minicity_gn', { numClasses: K, seed: 0 });
      const p0 = new Map([...model.params].map(([n, v]) => [n, Array.from(v.dataSync())]));
      await train(config({ train: { maxIters: 1, polyHorizon: 10 } }, [`optim.classifierLrMult=${mult}`]), { source: source(), outDir: tmp(), model });
      const d = new Map([...model.params].map(([n, v]) => [n, Array.from(v.dataSync(), (x, i) => x - p0.get(n)![i])]));
      model.dispose();
      return d;
    };
    const d1 = await delta(1);
    const d10 = await delta(10);
    for (const [n, a] of d1) {
      const ratio = d10.get(n)!.reduce((s, x) => s + Math.abs(x), 0) / a.reduce((s, x) => s + Math.abs(x), 0);
      expect(ratio, n).toBeCloseTo(n.startsWith('classifier.') ? 10 : 1, 3);
    }
    const e = await catchPlca(train(config({}, ['optim.classifierLrMult=10', 'optim.classifierPrefixes=["head."]']), { source: source(), outDir: tmp() }));
    expect(e.code).toBe('PLCA_CONFIG_INVALID');
    expect(e.message).toContain('optim.classifierPrefixes');
    const nine = createModel('minicity_gn', { numClasses: 9, seed: 0 });
    expect((await catchPlca(train(config(), { source: source(), outDir: tmp(), model: nine }))).message).toContain('model.numClasses is 4');
    nine.dispose();
  });

  it('accumulating 2 micro-batches of 1 equals one batch of 2 (GroupNorm net, CE)', async () => {
    const run = async (gradAccum: number, batchSize: number) => {
      const model = createModel('minicity_gn', { numClasses: K, seed: 0 });
      // Two streams of batch 1 in sequence see the same images as one stream of batch 2.
      const s2 = source(5, 2);
      const b = await s2.next();
      const imgs = tf.split(b.images, 2) as tf.Tensor4D[];
      const labs = tf.split(b.labels!, 2) as tf.Tensor3D[];
      let i = 0;
      const stream = gradAccum === 1
        ? { next: async () => ({ images: b.images.clone(), labels: b.labels!.clone() }), state: () => ({}), restore: () => {} }
        : { next: async () => { const k = i++ % 2; return { images: imgs[k].clone(), labels: labs[k].clone() }; }, state: () => ({}), restore: () => {} };
      await train(config({ train: { maxIters: 2, polyHorizon: 10, gradAccum, batchSize } }), { source: stream, outDir: tmp(), model });
      const w = [...model.params.values()].map((v) => Array.from(v.dataSync()));
      tf.dispose([b.images, b.labels!, ...imgs, ...labs]);
      model.dispose();
      return w.flat();
    };
    const a = await run(1, 2);
    const b = await run(2, 1);
    let maxErr = 0;
    a.forEach((x, i) => { maxErr = Math.max(maxErr, Math.abs(x - b[i])); });
    expect(maxErr).toBeLessThan(1e-5);
  });

  it('PLCA: logs every term and the association diagnostics, and warns once when the cover ratio collapses', async () => {
    const out = tmp();
    const events: TrainEvent[] = [];
    const target = new SyntheticStream({ batchSize: 2, height: H, width: W, numClasses: K, seed: 2, shift: 0.3, labels: false });
    // A threshold above any cover ratio this run can reach makes the warning fire deterministically.
    const cfg = config({ method: { mode: 'plca' }, data: {}, train: { maxIters: 2, polyHorizon: 2, collapseCoverRatio: 0.99 } });
    const model = createModel('minicity_gn', { numClasses: K, seed: 0 });
    const r = await train(cfg, { source: source(), target, outDir: out, model }, { onEvent: (e) => events.push(e) });
    const steps = events.filter((e) => e.type === 'step');
    expect(Object.keys(steps[0].terms).sort()).toEqual(['cass', 'ce', 'fass', 'lovasz', 'lsrS', 'lsrT']);
    for (const k of ['fass.coverRatio', 'fass.positiveRatio', 'cass.coverRatio', 'cass.positiveRatio']) {
      expect(steps[0].diagnostics[k], k).toBeGreaterThanOrEqual(0);
    }
    const warnings = events.filter((e) => e.type === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: 'association_collapse', step: 1, value: steps[0].diagnostics['fass.coverRatio'] });
    expect(r.collapseWarned).toBe(true);
    const logged = readFileSync(join(out, 'train_log.jsonl'), 'utf8');
    expect(logged).toContain('"association_collapse"');
    model.dispose();
  });
});
