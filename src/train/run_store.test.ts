// A run kept in a MemoryRunStore (the browser's store) stops and resumes exactly as a run
// directory does: same losses, bit-identical weights and momentum as a run straight through.
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/index.js';
import { createModel } from '../models/index.js';
import { resolveConfig } from '../config/index.js';
import { PlcaError } from '../util/errors.js';
import { MemoryRunStore, openRunStore } from './run_store.js';
import { syntheticDomains } from './synthetic_stream.js';
import { train } from './trainer.js';

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
});

const K = 4;
const streams = () => syntheticDomains(K);
const cfg = resolveConfig({
  model: { name: 'minicity_gn', numClasses: K }, method: { mode: 'plca' }, optim: { lr: 0.01 },
  train: { maxIters: 3, polyHorizon: 3, batchSize: 1, checkpointInterval: 1, valInterval: null, logInterval: 1 },
});
const bytes = (vars: ReadonlyMap<string, { dataSync(): ArrayLike<number> }>) =>
  [...vars].map(([n, v]) => [n, Array.from(v.dataSync())] as const);

describe('MemoryRunStore', () => {
  it('stop after update 1 and resume: same losses and weights as straight through', async () => {
    const a = createModel('minicity_gn', { numClasses: K, seed: 0 });
    const straight = new MemoryRunStore('straight');
    const ra = await train(cfg, { ...streams(), store: straight, model: a });

    const store = new MemoryRunStore('stopped');
    const ctl = new AbortController();
    const b1 = createModel('minicity_gn', { numClasses: K, seed: 0 });
    const err = await train(cfg, { ...streams(), store, model: b1 }, {
      signal: ctl.signal, onEvent: (e) => { if (e.type === 'step' && e.step === 1) ctl.abort(); },
    }).catch((e: unknown) => e);
    expect((err as PlcaError).code).toBe('PLCA_INTERRUPTED');
    expect((err as PlcaError).message).toContain('memory:stopped/step_1');
    b1.dispose();
    const b2 = createModel('minicity_gn', { numClasses: K, seed: 99 });
    const rb = await train(cfg, { ...streams(), store, model: b2 }, { resume: true });
    expect(rb.losses).toEqual(ra.losses.slice(1));
    expect(bytes(b2.params)).toEqual(bytes(a.params));
    expect(store.loadCheckpoint(rb.checkpoint).groups.momentum).toEqual(straight.loadCheckpoint(ra.checkpoint).groups.momentum);
    expect(store.config?.method.mode).toBe('plca');
    expect(store.log.filter((r) => r.type === 'start').map((r) => r.step)).toEqual([0, 1]);
    a.dispose();
    b2.dispose();
  });

  it('refuses a pretrained path and an unknown checkpoint, with hints', () => {
    const s = new MemoryRunStore();
    expect(() => s.loadCheckpoint('memory:run/step_9')).toThrow(/checkpoint not found/);
    const m = createModel('minicity_gn', { numClasses: K, seed: 0 });
    expect(() => s.loadPretrained(m, 'w.pth')).toThrow(PlcaError);
    m.dispose();
    expect(openRunStore({ store: s })).toBe(s);
    expect(() => openRunStore({})).toThrow(/outDir/);
  });
});

describe('FileRunStore.localRef', () => {
  it("finds a checkpoint saved under the run's old location in its checkpoints/ now; leaves other references as they are", async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { FileRunStore } = await import('./file_store.js');
    const dir = mkdtempSync(join(tmpdir(), 'plca-localref-'));
    const s = new FileRunStore(dir);
    mkdirSync(s.checkpointDir, { recursive: true });
    writeFileSync(join(s.checkpointDir, 'step_0000020.ckpt'), 'x');
    expect(s.localRef('/somewhere/before/checkpoints/step_0000020.ckpt')).toBe(join(s.checkpointDir, 'step_0000020.ckpt'));
    expect(s.localRef('/somewhere/before/checkpoints/step_0000040.ckpt')).toBe('/somewhere/before/checkpoints/step_0000040.ckpt');
  });
});
