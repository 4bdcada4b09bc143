// `plca train`, `eval`, `predict` and `export` on bad input, through the real binary: broken
// training data, a NaN in the loss, checkpoints of another model or damaged ones, bad images to
// predict. One tiny training run is shared by the checkpoint cases.
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePng } from '../../src/data/image_io.js';
import { decodePng } from '../../src/data/png.js';
import { loadCheckpoint, resolveCheckpointPath } from '../../src/train/checkpoint.js';
import { errorCode, runPlca, type PlcaResult } from './run_plca.js';
import { corruptFile, writeCityscapesTree, writePredictInputs } from './trees.js';

let dir: string;
let base: string; // a finished tiny MiniCity run
let baseRun: PlcaResult;

const TINY = ['--config', 'configs/tiny_cpu_debug.ts', '--backend', 'wasm', '--threads', '1', '--set', 'data.val=null'];

/** A source-only config on a Cityscapes tree (no target, no validation), as JSON. */
function cityscapesConfig(root: string): string {
  const path = join(dir, `${root.split('/').pop()}.json`);
  writeFileSync(path, JSON.stringify({
    name: 'cs_tiny', model: { name: 'minicity_gn', numClasses: 19 },
    data: {
      source: { dataset: 'cityscapes', root, split: 'train' }, target: null, val: null,
      resizeShort: [16, 16], crop: [16, 32], evalSize: [16, 32], workers: 1,
    },
    method: { mode: 'source_only' },
    train: { maxIters: 2, polyHorizon: 2, batchSize: 3, gradAccum: 1, checkpointInterval: 2, valInterval: null, logInterval: 1 },
    runtime: { backend: 'wasm', threads: 1 },
  }));
  return path;
}

function expectCleanError(r: PlcaResult, code: string, names: string): void {
  expect(errorCode(r.stderr), r.stderr).toBe(code);
  expect(r.code).toBe(1);
  expect(r.stderr.split('\n').find((l) => l.startsWith('plca: error ['))).toContain(names);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plca-train-robust-'));
  base = join(dir, 'base');
  baseRun = await runPlca(['train', ...TINY, '--out', base, '--set', 'train.maxIters=2', '--set', 'train.polyHorizon=2', '--json']);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('training data', () => {
  it('names a corrupt training image (decoded in a worker thread)', async () => {
    const root = join(dir, 'cs-corrupt');
    const { images } = writeCityscapesTree(root, { split: 'train', count: 3 });
    corruptFile(images[1]);
    expectCleanError(await runPlca(['train', '--config', cityscapesConfig(root), '--out', join(dir, 'run-corrupt')]), 'PLCA_IMAGE_CORRUPT', images[1]);
  });

  it('names both files of an image/label size mismatch', async () => {
    const root = join(dir, 'cs-mismatch');
    const { images, labels } = writeCityscapesTree(root, { split: 'train', count: 3 });
    writePng(labels[2], { width: 16, height: 16, channels: 1, data: new Uint8Array(256).fill(7) });
    const r = await runPlca(['train', '--config', cityscapesConfig(root), '--out', join(dir, 'run-mismatch')]);
    expectCleanError(r, 'PLCA_SIZE_MISMATCH', labels[2]);
    expect(r.stderr).toContain(images[2]);
  });

  it('stops on a NaN loss, names the term and the update, and keeps the last good checkpoint', async () => {
    const out = join(dir, 'run-nan');
    const r = await runPlca(['train', ...TINY, '--out', out, '--set', 'train.checkpointInterval=1',
      '--set', 'debug.injectNanAtStep=2', '--set', 'debug.injectNanTerm=fass']);
    expectCleanError(r, 'PLCA_NAN_LOSS', '"fass"');
    expect(r.stderr).toContain('at update 3');
    const good = resolveCheckpointPath(out);
    expect(r.stderr).toContain(`last good checkpoint is ${good}`);
    expect(loadCheckpoint(good).step).toBe(2);
  });
});

describe('checkpoints', () => {
  it('trains the shared run', () => {
    expect(baseRun.code, baseRun.stderr).toBe(0);
    expect(JSON.parse(baseRun.stdout)).toMatchObject({ outDir: base, step: 2 });
  });

  it('refuses to start a new run over an existing one', async () => {
    const r = await runPlca(['train', ...TINY, '--out', base]);
    expectCleanError(r, 'PLCA_INVALID_ARGUMENT', base);
    expect(r.stderr).toContain('--resume');
  });

  it('names a checkpoint of another model when resuming', async () => {
    const out = join(dir, 'other-model');
    cpSync(base, out, { recursive: true });
    const r = await runPlca(['train', '--out', out, '--resume', '--set', 'model.name=minicity_bn', '--set', 'train.maxIters=4', '--set', 'train.polyHorizon=4']);
    expectCleanError(r, 'PLCA_CHECKPOINT_INVALID', resolveCheckpointPath(out));
    expect(r.stderr).toMatch(/does not fit the model/);
  });

  it('names a truncated latest checkpoint when resuming, and a file that is no checkpoint', async () => {
    const out = join(dir, 'truncated');
    cpSync(base, out, { recursive: true });
    const file = resolveCheckpointPath(out);
    writeFileSync(file, readFileSync(file).subarray(0, 5000));
    const r = await runPlca(['train', '--out', out, '--resume', '--set', 'train.maxIters=4', '--set', 'train.polyHorizon=4']);
    expectCleanError(r, 'PLCA_CHECKPOINT_INVALID', file);
    const notCkpt = join(dir, 'config.ckpt');
    copyFileSync(join(base, 'config.json'), notCkpt);
    expectCleanError(await runPlca(['eval', '--checkpoint', notCkpt]), 'PLCA_CHECKPOINT_INVALID', notCkpt);
  });

  it('evaluates, exports and predicts with the run (images of any size, RGB/RGBA/grey PNG and JPEG)', async () => {
    const inputs = writePredictInputs(join(dir, 'inputs'));
    const preds = join(dir, 'preds');
    const [ev, ex, pr] = await Promise.all([
      runPlca(['eval', '--checkpoint', base, '--dataset', 'minicity', '--root', 'minicity', '--split', 'target_val', '--json', '--limit', '2']),
      runPlca(['export', '--checkpoint', base, '--out', join(dir, 'exported'), '--json']),
      runPlca(['predict', '--checkpoint', base, '--input', join(dir, 'inputs'), '--out', preds, '--json']),
    ]);
    expect(ev.code, ev.stderr).toBe(0);
    expect(JSON.parse(ev.stdout)).toMatchObject({ images: 2, step: 2, numClasses: 9 });
    expect(ex.code, ex.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'exported', 'model.json'), 'utf8'))).toHaveProperty('weightsManifest');
    expect(pr.code, pr.stderr).toBe(0);
    for (const { path, width, height } of inputs) {
      const stem = path.split('/').pop()!.replace(/\.(\w+)$/, '_$1'); // street.jpg → street_jpg
      const label = decodePng(readFileSync(join(preds, `${stem}_label.png`)));
      expect([label.width, label.height, label.channels, label.colorType]).toEqual([width, height, 1, 3]); // palettised
      const overlay = decodePng(readFileSync(join(preds, `${stem}_overlay.png`)));
      expect([overlay.width, overlay.height, overlay.channels]).toEqual([width, height, 3]);
    }
  });

  it('names a corrupt or missing image to predict', async () => {
    const bad = join(dir, 'broken.png');
    const png = readFileSync(join(dir, 'inputs', 'rgb.png'));
    writeFileSync(bad, png.subarray(0, png.length - 30));
    const [corrupt, missing] = await Promise.all([
      runPlca(['predict', '--checkpoint', base, '--input', bad, '--out', join(dir, 'p2')]),
      runPlca(['predict', '--checkpoint', base, '--input', join(dir, 'nope.jpg'), '--out', join(dir, 'p3')]),
    ]);
    expectCleanError(corrupt, 'PLCA_IMAGE_CORRUPT', bad);
    expectCleanError(missing, 'PLCA_FILE_NOT_FOUND', join(dir, 'nope.jpg'));
  });
});
