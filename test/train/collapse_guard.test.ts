// The association schedule (warm-up, ramp) and the collapse guard: a forced collapse on a tiny
// run rolls back to the last healthy checkpoint with half the weight, then gives up to
// source-only; a run interrupted after a rollback resumes bit for bit (cpu backend).
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { initEngine } from '../../src/engine/index.js';
import { createModel } from '../../src/models/index.js';
import { resolveConfig, type UserConfig } from '../../src/config/index.js';
import { loadCheckpoint, MemoryRunStore, train, type TrainEvent } from '../../src/train/index.js';
import { associationFactor, associationSchedule, scheduleMilestone } from '../../src/train/association_schedule.js';
import { CollapseGuard } from '../../src/train/collapse_guard.js';
import { syntheticDomains } from '../../src/train/synthetic_stream.js';
import { PlcaError } from '../../src/util/errors.js';

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
});

const K = 4;
const guardCfg = { enabled: true, window: 4, coverRatio: 0.1, maxClasses: 2, coverDrop: 0.7, weightFactor: 0.5, maxRollbacks: 2 };
const streams = () => syntheticDomains(K);

// A cover-ratio threshold of 1 calls every window with the association on collapsed (a cover
// ratio of 1 would need every target pixel reached by a cycle): a forced, deterministic collapse.
const forced: UserConfig = {
  model: { name: 'minicity_gn', numClasses: K },
  method: { mode: 'plca', associationWarmup: 1 / 3, associationRamp: 0 },
  optim: { lr: 0.01 },
  train: {
    maxIters: 6, polyHorizon: 6, gradAccum: 1, batchSize: 1, checkpointInterval: 100, valInterval: null, logInterval: 1,
    collapseGuard: { enabled: true, window: 1, coverRatio: 1, maxRollbacks: 1 },
  },
};

/** A run of `cfg` in a new folder, interrupted right after its first rollback; returns the folder. */
async function interruptedAtRollback(cfg: ReturnType<typeof resolveConfig>, prefix: string): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), prefix));
  const ctl = new AbortController();
  const m = createModel('minicity_gn', { numClasses: K, seed: 0 });
  const err = await train(cfg, { ...streams(), outDir: out, model: m }, {
    signal: ctl.signal, onEvent: (e) => { if (e.type === 'adaptation' && e.action === 'rollback') ctl.abort(); },
  }).catch((e: unknown) => e);
  expect((err as PlcaError).code).toBe('PLCA_INTERRUPTED');
  m.dispose();
  return out;
}

describe('association schedule', () => {
  it('is off for the warm-up, ramps linearly, then stays at 1; shares scale with maxIters', () => {
    const s = associationSchedule(600, 1 / 3, 1 / 6);
    expect(s).toEqual({ warmupUpdates: 200, rampUpdates: 100 });
    expect(associationFactor(s, 0)).toBe(0);
    expect(associationFactor(s, 199)).toBe(0);
    expect(associationFactor(s, 200)).toBeCloseTo(0.01);
    expect(associationFactor(s, 249)).toBeCloseTo(0.5);
    expect(associationFactor(s, 299)).toBe(1);
    expect(associationFactor(s, 599)).toBe(1);
    expect(associationSchedule(120, 1 / 3, 1 / 6)).toEqual({ warmupUpdates: 40, rampUpdates: 20 });
    expect(associationFactor(associationSchedule(10, 0, 0), 0)).toBe(1);
    expect(scheduleMilestone(s, 200)).toBe('association_on');
    expect(scheduleMilestone(s, 299)).toBe('full_weight');
    expect(scheduleMilestone(s, 250)).toBeUndefined();
  });

  it('rejects a warm-up and ramp longer than the run', () => {
    expect(() => resolveConfig({ method: { associationWarmup: 0.8, associationRamp: 0.3 } })).toThrow(/associationWarmup.*≤ 1/);
  });
});

describe('collapse guard', () => {
  it('judges a window by its mean cover ratio and classes; too few signals count as healthy', () => {
    const g = new CollapseGuard({ ...guardCfg, coverDrop: 0 });
    g.wroteHealthy('c0', 0);
    for (let i = 0; i < 4; i++) g.observe({ 'fass.coverRatio': 0.3, 'target.classesUsed': 5 });
    expect(g.check(3)).toEqual({ kind: 'continue' });
    expect(g.check(4)).toEqual({ kind: 'healthy' });
    expect(g.wroteHealthy('c4', 4)).toEqual([]);
    g.observe({ 'fass.coverRatio': 0.01 }); // one signal in a window of 4: not judged
    expect(g.check(8).kind).toBe('healthy');
    expect(g.wroteHealthy('c8', 8)).toEqual([{ ref: 'c0', step: 0 }]); // c4 confirmed; c0 superseded
    for (let i = 0; i < 4; i++) g.observe({ 'fass.coverRatio': 0.05, 'target.classesUsed': 1 });
    const v = g.check(12);
    expect(v).toMatchObject({ kind: 'collapse', to: { ref: 'c4', step: 4 }, factor: 0.5, gaveUp: false, drift: false });
    expect(v.kind === 'collapse' && v.reasons).toHaveLength(2);
  });

  it('a slow decline of the cover ratio below coverDrop × its best rolls back to the best window, which it keeps', () => {
    const g = new CollapseGuard(guardCfg);
    const windowOf = (c: number) => { for (let i = 0; i < 4; i++) g.observe({ 'fass.coverRatio': c, 'target.classesUsed': 7 }); };
    g.wroteHealthy('c0', 0);
    const covers = [0.3, 0.4, 0.36, 0.33, 0.3];
    const freed: string[][] = [];
    covers.forEach((c, i) => {
      windowOf(c);
      expect(g.check(4 * (i + 1)).kind).toBe('healthy'); // 0.3 ≥ 0.7 × 0.4: still healthy
      freed.push(g.wroteHealthy(`c${4 * (i + 1)}`, 4 * (i + 1)).map((r) => r.ref));
    });
    expect(g.state.best).toEqual({ ref: 'c8', step: 8, cover: 0.4 });
    // c8, the best, outlives its turns as healthy and pending; c4 goes once it is neither
    expect(freed).toEqual([[], ['c0'], ['c4'], [], ['c12']]);
    windowOf(0.27); // < 0.28
    const v = g.check(24);
    expect(v).toMatchObject({ kind: 'collapse', to: { ref: 'c8', step: 8 }, factor: 0.5, gaveUp: false, drift: true });
    expect(v.kind === 'collapse' && v.reasons[0]).toMatch(/0\.270 < 0\.7 × its best 0\.400 \(update 8\): a slow decline/);
    g.rolledBack({ ref: 'c8', step: 8 }, 0.5, 'c8b');
    expect(g.state).toMatchObject({ factor: 0.5, rollbacks: 1, healthy: { ref: 'c8b', step: 8 }, pending: null, best: { ref: 'c8b', step: 8, cover: 0.4 } });
    // saved and loaded as a checkpoint's own reference
    const saved = JSON.parse(JSON.stringify(g.snapshot('c8b'))) as unknown;
    const h = new CollapseGuard(guardCfg);
    expect(h.load(saved, 'elsewhere/c8b')).toBe(true);
    expect(h.state.best).toEqual({ ref: 'elsewhere/c8b', step: 8, cover: 0.4 });
    expect(h.state.healthy).toEqual({ ref: 'elsewhere/c8b', step: 8 });
    // references other than the checkpoint's own are mapped to where the run is now
    const moved = new CollapseGuard(guardCfg);
    g.rolledBack({ ref: 'c8b', step: 8 }, 0.5, 'c8c');
    expect(moved.load(JSON.parse(JSON.stringify(g.snapshot('c24'))), 'new/c24', (r) => `new/${r}`)).toBe(true);
    expect(moved.state).toMatchObject({ healthy: { ref: 'new/c8c' }, best: { ref: 'new/c8c' } });
    // a state saved before the drift rule loads with no best
    const { best: _b, ...old } = g.snapshot('c8b');
    expect(h.load(old, 'x')).toBe(true);
    expect(h.state.best).toBeNull();
  });

  it('a forced collapse: rolls back to the last healthy checkpoint at half the weight, then gives up to source-only', async () => {
    const cfg = resolveConfig(forced);
    const store = new MemoryRunStore('guard');
    const events: TrainEvent[] = [];
    const model = createModel('minicity_gn', { numClasses: K, seed: 0 });
    const r = await train(cfg, { ...streams(), store, model }, { onEvent: (e) => events.push(e) });
    const adapt = events.filter((e) => e.type === 'adaptation');
    expect(adapt.map((e) => [e.action, e.step, e.to, e.guardFactor])).toEqual([
      ['association_on', 3, undefined, 1],
      ['rollback', 3, 1, 0.5],
      ['association_on', 3, undefined, 0.5],
      ['source_only', 3, 1, 0],
    ]);
    expect(adapt[1].message).toMatch(/collapse detected at update 3 .*mean feature cover ratio.*rolled back to update 1, β2 × 0.5/);
    expect(r.step).toBe(6);
    expect(r.guard).toEqual({ rollbacks: 2, factor: 0 });
    // 3 updates, back to 1 (its successor 2 was healthy, 3 collapsed); 2 replayed at half weight, back to 1 again; 5 more source-only
    expect(r.losses).toHaveLength(3 + 2 + 5);
    // after giving up no update carries association terms
    const steps = events.filter((e) => e.type === 'step');
    expect(Object.keys(steps[steps.length - 1].terms).sort()).toEqual(['ce', 'lovasz', 'lsrS', 'lsrT']);
    expect(store.log.some((l) => l.type === 'adaptation' && l.action === 'source_only')).toBe(true);
    model.dispose();
  });

  it('a source-only mode logs no schedule milestones and runs no guard', async () => {
    const cfg = resolveConfig({ ...forced, method: { ...forced.method, mode: 'source_only_lovasz' }, train: { ...forced.train, maxIters: 3, polyHorizon: 3 } });
    const store = new MemoryRunStore('so');
    const model = createModel('minicity_gn', { numClasses: K, seed: 0 });
    const r = await train(cfg, { ...streams(), store, model });
    expect(store.log.filter((l) => l.type === 'adaptation')).toEqual([]);
    expect(store.log.filter((l) => l.type === 'checkpoint').map((l) => l.step)).toEqual([3]);
    expect(r.guard).toBeUndefined();
    model.dispose();
  });

  it('a run interrupted right after a rollback resumes bit for bit in a moved folder, collapsed checkpoints set aside', async () => {
    const cfg = resolveConfig(forced);
    const outA = mkdtempSync(join(tmpdir(), 'plca-guard-a-'));
    const a = createModel('minicity_gn', { numClasses: K, seed: 0 });
    const ra = await train(cfg, { ...streams(), outDir: outA, model: a });
    const outB = await interruptedAtRollback(cfg, 'plca-guard-b-');
    const ckDir = join(outB, 'checkpoints');
    expect(readdirSync(join(ckDir, 'rolled_back'))).toContain('step_0000002.ckpt');
    expect(existsSync(join(ckDir, 'step_0000002.ckpt'))).toBe(false);
    expect(existsSync(join(ckDir, 'step_0000000.ckpt'))).toBe(false); // superseded as a rollback target
    expect(loadCheckpoint(ckDir).step).toBe(1);
    // The user moves the run folder before resuming; the resumed run rolls back once more, to
    // update 1 (the checkpoint it resumed from), and gives up.
    const moved = `${outB}-moved`;
    renameSync(outB, moved);
    const b2 = createModel('minicity_gn', { numClasses: K, seed: 123 });
    const rb = await train(cfg, { ...streams(), outDir: moved, model: b2 }, { resume: true });
    expect(rb.guard).toEqual(ra.guard);
    expect(rb.losses).toEqual(ra.losses.slice(3));
    for (const [n, p] of a.params) expect([...b2.params.get(n)!.dataSync()], n).toEqual([...p.dataSync()]);
    a.dispose();
    b2.dispose();
  });

  it('a slow decline on a real run: rolls back to the best window, which a resume right after finds again (bit for bit)', async () => {
    // coverDrop 1: any window below the best is a decline; coverRatio 0 and maxClasses 0: never a collapse.
    const cfg = resolveConfig({ ...forced, train: { ...forced.train, maxIters: 9, polyHorizon: 9, collapseGuard: { enabled: true, window: 1, coverRatio: 0, maxClasses: 0, coverDrop: 1, maxRollbacks: 1 } } });
    const outA = mkdtempSync(join(tmpdir(), 'plca-drift-a-'));
    const events: TrainEvent[] = [];
    const a = createModel('minicity_gn', { numClasses: K, seed: 0 });
    const ra = await train(cfg, { ...streams(), outDir: outA, model: a }, { onEvent: (e) => events.push(e) });
    const drift = events.find((e): e is Extract<TrainEvent, { type: 'adaptation' }> => e.type === 'adaptation' && e.action === 'rollback')!;
    expect(drift.reasons![0]).toMatch(/a slow decline/);
    expect(drift.message).toMatch(/^slow decline detected at update \d+ .*rolled back to update \d+, β2 × 0.5$/);
    // its target is the update with the highest cover ratio before it
    const covers = events.filter((e): e is Extract<TrainEvent, { type: 'step' }> => e.type === 'step' && e.step < drift.step && e.diagnostics['fass.coverRatio'] !== undefined);
    const best = covers.reduce((x, y) => (y.diagnostics['fass.coverRatio'] > x.diagnostics['fass.coverRatio'] ? y : x));
    expect(drift.to).toBe(best.step);
    expect(ra.step).toBe(9);
    const outB = await interruptedAtRollback(cfg, 'plca-drift-b-');
    expect(loadCheckpoint(join(outB, 'checkpoints')).step).toBe(best.step);
    const b2 = createModel('minicity_gn', { numClasses: K, seed: 123 });
    const rb = await train(cfg, { ...streams(), outDir: outB, model: b2 }, { resume: true });
    expect(rb.guard).toEqual(ra.guard);
    for (const [n, p] of a.params) expect([...b2.params.get(n)!.dataSync()], n).toEqual([...p.dataSync()]);
    a.dispose();
    b2.dispose();
  });
});
