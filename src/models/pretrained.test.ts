import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/index.js';
import { isPlcaError } from '../util/errors.js';
import { describePretrained, isTorchWeightsPath, loadPretrained, loadPretrainedDict } from './pretrained.js';
import { createModel } from './registry.js';
import type { Segmentor } from './segmentor.js';
import { readTorchFile } from './torch_pth.js';

const DIR = join(import.meta.dirname, '..', '..', 'test', 'data', 'torch');
const CAFFE = join(DIR, 'resnet_tiny_caffe_legacy.pth');

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
});

/** Every backbone tensor of `m` equals the file's `Scale.` tensor (conv weights OIHW → HWIO). */
function expectBackboneFromFile(m: Segmentor): void {
  const sd = readTorchFile(CAFFE);
  for (const [ours, torch] of m.torchNames) {
    if (!ours.startsWith('backbone.')) continue;
    const t = sd[torch.replace(/^backbone\./, 'Scale.')];
    const v = (m.params.get(ours) ?? m.state.get(ours))!;
    const got = v.dataSync();
    if (v.rank === 4) {
      const [kh, kw, ci, co] = v.shape;
      for (const [o, i, y, x] of [[0, 0, 0, 0], [co - 1, ci - 1, kh - 1, kw - 1], [co >> 1, ci >> 1, kh >> 1, kw >> 1]]) {
        expect(got[((y * kw + x) * ci + i) * co + o], ours).toBe(t.data[((o * ci + i) * kh + y) * kw + x]);
      }
    } else {
      expect(Array.from(got), ours).toEqual(Array.from(t.data));
    }
  }
}

describe('loadPretrained', () => {
  it('loads the Caffe ImageNet layout into the backbone only, as the reference (Scale. stripped, layer5 skipped)', () => {
    const m = createModel('resnet_tiny_aspp', { numClasses: 3, seed: 0 });
    const head = Array.from(m.params.get('classifier.aspp.0.weight')!.dataSync());
    const r = loadPretrained(m, CAFFE);
    const backbone = [...m.torchNames.keys()].filter((n) => n.startsWith('backbone.'));
    expect(r.format).toBe('legacy');
    expect(r.convention).toBe('caffe-imagenet');
    expect(r.loaded.sort()).toEqual(backbone.sort());
    expect(r.missing.every((n) => n.startsWith('classifier.'))).toBe(true);
    expect(r.missing).toHaveLength(m.torchNames.size - backbone.length);
    expect(r.unexpected).toEqual([]);
    expect(r.skipped).toEqual([0, 1, 2, 3].flatMap((i) => [`Scale.layer5.conv2d_list.${i}.weight`, `Scale.layer5.conv2d_list.${i}.bias`]));
    expect(Array.from(m.params.get('classifier.aspp.0.weight')!.dataSync())).toEqual(head);
    expectBackboneFromFile(m);
    expect(describePretrained(r)).toMatch(/\(legacy, caffe-imagenet keys\): loaded 85, missing 4 \(classifier.aspp.0.weight, .*unexpected 0, skipped 8/);
    m.dispose();
  });

  it('maps plain, module.-prefixed and backbone-only state dicts, and fails when nothing matches', () => {
    const m = createModel('minicity_gn', { numClasses: 2, seed: 0 });
    const w = { shape: [32, 3, 3, 3], data: new Float32Array(864).fill(0.5) };
    expect(loadPretrainedDict(m, { 'backbone.0.conv.weight': w }, 'a.pth').convention).toBe('state_dict');
    const r = loadPretrainedDict(m, { 'module.backbone.0.conv.weight': w, 'module.aux.weight': w }, 'b.pth');
    expect([r.convention, r.loaded, r.unexpected]).toEqual(['module-prefixed', ['backbone.0.conv.weight'], ['module.aux.weight']]);
    expect(loadPretrainedDict(m, { '0.conv.weight': w }, 'c.pth').convention).toBe('backbone-only');
    expect(m.params.get('backbone.0.conv.weight')!.dataSync()[7]).toBe(0.5);
    let err = '';
    try {
      loadPretrained(m, join(DIR, 'nested_weights_zip.pth'));
    } catch (e) {
      err = isPlcaError(e) ? `${e.code}: ${e.message}` : String(e);
    }
    expect(err).toMatch(/^PLCA_CHECKPOINT_INVALID: torch file .*nested_weights_zip.pth: none of its 4 keys names a parameter of model "minicity_gn" \(file: conv.weight, /);
    m.dispose();
  });

  it('recognises torch paths by extension or magic', () => {
    expect(isTorchWeightsPath('x/DeepLab_resnet_pretrained_init-f81d91e8.pth')).toBe(true);
    expect(isTorchWeightsPath('x/model.PT')).toBe(true);
    expect(isTorchWeightsPath(join(DIR, 'basic.json'))).toBe(false);
    expect(isTorchWeightsPath('runs/g2c')).toBe(false);
  });
});
