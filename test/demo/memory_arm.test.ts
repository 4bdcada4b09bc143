// The arm the web app trains (runArmInStore: MiniCity streams, validator and trainer on a
// MemoryRunStore) is the arm `plca demo` trains through the pipeline and a run directory (runArm):
// same config and seed → the same losses, validations and scores. Stopped and resumed in its
// store, it ends where a run straight through ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { DEMO_ARMS, armConfig, runArm, runArmInStore, settingsOverrides, type ArmHistory } from '../../src/demo/index.js';
import { MemoryRunStore } from '../../src/train/index.js';
import { isPlcaError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'plca-memory-arm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => { await initEngine({ backend: 'wasm', threads: 1 }); });

const plca = DEMO_ARMS.find((a) => a.key === 'plca')!;
const overrides = [...settingsOverrides({ seed: 5, steps: 3, trainImages: 6, valImages: 3, batchSize: 2, valInterval: 2 }), 'runtime.backend=wasm'];
const losses = (h: { curve: Array<{ loss: number }> }) => h.curve.map((p) => p.loss);

describe('runArmInStore', () => {
  it('trains and scores the PLCA arm as runArm does (pipeline, run directory)', async () => {
    const viaPipeline = await runArm(plca, { outDir: join(dir, 'pipeline'), set: overrides, sourceValImages: 2 });
    const cfg = await armConfig(plca, overrides);
    const before = tf.memory().numTensors;
    const inStore = await runArmInStore(plca, cfg, { store: new MemoryRunStore(), overrides, sourceValImages: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(losses(inStore)).toEqual(losses(viaPipeline));
    expect(inStore.valCurve).toEqual(viaPipeline.valCurve);
    expect(inStore.target).toEqual(viaPipeline.target);
    expect(inStore.source).toEqual(viaPipeline.source);
    expect(inStore.collapse).toEqual(viaPipeline.collapse);
    expect(inStore.overrides).toEqual(viaPipeline.overrides);
  });

  it('stopped after update 1 and resumed from its store: the same run as straight through', async () => {
    const cfg = await armConfig(plca, overrides);
    const straight = await runArmInStore(plca, cfg, { store: new MemoryRunStore(), sourceVal: false });
    const store = new MemoryRunStore();
    const history: ArmHistory = { curve: [], valCurve: [] };
    const ctl = new AbortController();
    const err = await runArmInStore(plca, cfg, {
      store, history, sourceVal: false, signal: ctl.signal, onEvent: (e) => { if (e.type === 'step' && e.step === 1) ctl.abort(); },
    }).catch((e: unknown) => e);
    expect(isPlcaError(err) && err.code).toBe('PLCA_INTERRUPTED');
    expect(history.curve.map((p) => p.step)).toEqual([1]);
    const resumed = await runArmInStore(plca, cfg, { store, history, resume: true, sourceVal: false });
    expect(losses(resumed)).toEqual(losses(straight));
    expect(resumed.valCurve).toEqual(straight.valCurve);
    expect(resumed.target).toEqual(straight.target);
  });
});
