// Every experiment file in configs/ loads and resolves, and the paper's ones carry the paper's settings.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadConfig, saveResolvedConfig, RESOLVED_CONFIG_FILE } from '../../src/config/index.js';
import { REPO_ROOT } from '../helpers/fixtures.js';

const cfgPath = (name: string) => join(REPO_ROOT, 'configs', name);

describe('configs/', () => {
  it('GTAV→Cityscapes is the paper run (§4.2, reference §4.9)', async () => {
    const c = await loadConfig(cfgPath('gta5_to_cityscapes_plca.ts'));
    expect(c.model).toMatchObject({ name: 'deeplabv2_resnet101', numClasses: 19 });
    expect(c.method.mode).toBe('plca');
    expect(c.method.weights).toEqual({ ce: 1, lovasz: 0.75, association: 0.1, lsr: 0.01 });
    expect(c.train.batchSize * c.train.gradAccum).toBe(8);
    expect(c.train.maxIters).toBe(28 * 372);
    expect(c.train.polyHorizon).toBe(30 * 372);
    expect(c.data.source.dataset).toBe('gtav');
  });

  it('SYNTHIA→Cityscapes has 16 classes and the shorter schedule', async () => {
    const c = await loadConfig(cfgPath('synthia_to_cityscapes_plca.ts'));
    expect(c.model.numClasses).toBe(16);
    expect(c.data.source.dataset).toBe('synthia');
    expect(c.train.maxIters).toBe(8 * 372);
    expect(c.train.polyHorizon).toBe(10 * 372);
    expect(c.method.weights.association).toBe(0.1);
  });

  it('the CPU-sized configs resolve', async () => {
    const plca = await loadConfig(cfgPath('minicity_plca.ts'));
    const so = await loadConfig(cfgPath('minicity_source_only.ts'));
    const tiny = await loadConfig(cfgPath('tiny_cpu_debug.ts'), ['train.maxIters=3', 'train.polyHorizon=3']);
    expect(plca.method.weights.association).toBe(0.02);
    expect(so.method.switches).toMatchObject({ lovasz: true, fass: false, cass: false });
    expect(so.model.name).toBe(plca.model.name);
    expect(tiny.train.maxIters).toBe(3);
    expect(tiny.data.minicity.size).toEqual([32, 64]);
    // The augmentation control differs from source-only in data.augment only.
    const aug = await loadConfig(cfgPath('minicity_source_only_aug.ts'));
    expect(aug.data.augment.brightness).toBeGreaterThan(0);
    expect(so.data.augment.brightness).toBe(0);
    expect({ ...aug, name: so.name, data: { ...aug.data, augment: so.data.augment } }).toEqual(so);
    const st = await loadConfig(cfgPath('minicity_self_training.ts'));
    expect(st.method.selfTraining).toEqual({ loss: 'pseudo_label', weight: 1, threshold: 0.9 });
    expect(st.method.mode).toBe(so.method.mode);
    // The PLCA default: the control's augmentation, warm-up 1/3, ramp 1/6, collapse guard (docs/minicity.md).
    expect(plca.data.augment).toEqual(aug.data.augment);
    expect([plca.method.associationWarmup, plca.method.associationRamp, plca.train.collapseGuard.enabled]).toEqual([1 / 3, 1 / 6, true]);
    // The ablation's PLCA differs from the default only by the stabilisers (Table 1 varies the loss terms alone).
    const plain = await loadConfig(cfgPath('minicity_plca_plain.ts'));
    expect(plain.data.augment).toEqual(so.data.augment);
    expect([plain.method.associationWarmup, plain.method.associationRamp, plain.train.collapseGuard.enabled]).toEqual([0, 0, false]);
    expect({ ...plain, name: plca.name, data: plca.data, method: { ...plain.method, associationWarmup: 1 / 3, associationRamp: 1 / 6 }, train: plca.train }).toEqual(plca);
  });

  it('a saved resolved config loads back from JSON unchanged', async () => {
    const c = await loadConfig(cfgPath('minicity_plca.ts'), ['train.seed=7']);
    const dir = mkdtempSync(join(tmpdir(), 'plca-cfg-'));
    const p = saveResolvedConfig(dir, c);
    expect(p).toBe(join(dir, RESOLVED_CONFIG_FILE));
    expect(await loadConfig(p)).toEqual(c);
  });

  it('JSON files: bad JSON and unknown keys name the file and the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plca-cfg-'));
    writeFileSync(join(dir, 'bad.json'), '{"optim": ');
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ optim: { momentun: 0.9 } }));
    await expect(loadConfig(join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'PLCA_CONFIG_INVALID', message: expect.stringContaining('bad.json') });
    await expect(loadConfig(join(dir, 'typo.json'))).rejects.toMatchObject({ message: expect.stringContaining('optim.momentun') });
    await expect(loadConfig(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'PLCA_FILE_NOT_FOUND' });
    expect(readFileSync(join(dir, 'typo.json'), 'utf8')).toContain('momentun');
  });
});
