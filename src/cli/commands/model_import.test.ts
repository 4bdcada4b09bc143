// `plca model import` in-process on the PyTorch fixtures (test/data/torch, scripts/make_torch_fixtures.py).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../engine/index.js';
import { createModel, type Segmentor } from '../../models/index.js';
import { readTorchFile } from '../../models/torch_pth.js';
import { restoreModel } from '../../train/index.js';
import { memoryIo } from '../io.js';
import { runCli } from '../program.js';

const DIR = join(import.meta.dirname, '..', '..', '..', 'test', 'data', 'torch');
const CAFFE = join(DIR, 'resnet_tiny_caffe_legacy.pth');
let tmp: string;

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
  tmp = mkdtempSync(join(tmpdir(), 'plca-model-import-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A few elements of every backbone tensor equal the file's `Scale.` tensor (conv weights OIHW → HWIO). */
function expectBackboneFromFile(m: Segmentor): void {
  const sd = readTorchFile(CAFFE);
  for (const [ours, torch] of m.torchNames) {
    if (!ours.startsWith('backbone.')) continue;
    const t = sd[torch.replace(/^backbone\./, 'Scale.')];
    const v = (m.params.get(ours) ?? m.state.get(ours))!;
    const got = v.dataSync();
    if (v.rank === 4) {
      const [kh, kw, ci, co] = v.shape;
      const [o, i, y, x] = [co - 1, ci >> 1, kh - 1, kw >> 1];
      expect(got[((y * kw + x) * ci + i) * co + o], ours).toBe(t.data[((o * ci + i) * kh + y) * kw + x]);
    } else {
      expect(Array.from(got), ours).toEqual(Array.from(t.data));
    }
  }
}

describe('plca model import', () => {
  it('writes a checkpoint that restoreModel reads, with the file\'s backbone', async () => {
    const io = memoryIo();
    const out = join(tmp, 'imagenet.ckpt');
    const code = await runCli(['model', 'import', CAFFE, '--model', 'resnet_tiny_aspp', '--classes', '3', '--out', out, '--backend', 'cpu', '--json'], io);
    expect(code, io.err()).toBe(0);
    const j = JSON.parse(io.out()) as Record<string, unknown>;
    expect(j).toMatchObject({ format: 'legacy', convention: 'caffe-imagenet', loaded: 85, unexpected: [], checkpoint: out });
    expect((j.skipped as string[]).length).toBe(8);
    const m = createModel('resnet_tiny_aspp', { numClasses: 3, seed: 5 });
    expect(restoreModel(m, out).step).toBe(0);
    expectBackboneFromFile(m);
    m.dispose();
    expect(readFileSync(join(tmp, 'latest.json'), 'utf8')).toContain('imagenet.ckpt');
  });

  it('reports a file that is not a torch file, and --class-order plca with another class count', async () => {
    const io = memoryIo();
    expect(await runCli(['model', 'import', join(DIR, 'basic.json'), '--model', 'minicity_gn', '--out', tmp, '--backend', 'cpu'], io)).toBe(1);
    expect(io.err()).toMatch(/plca: error \[PLCA_CHECKPOINT_INVALID\]: torch file .*basic.json: not a PyTorch file/);
    const io2 = memoryIo();
    expect(await runCli(['model', 'import', CAFFE, '--model', 'resnet_tiny_aspp', '-k', '3', '--class-order', 'plca', '--out', tmp], io2)).toBe(1);
    expect(io2.err()).toContain('--class-order plca needs --classes 16 or 19');
  });
});
