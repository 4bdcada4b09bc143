// The commands that make tensors, run in-process through runCli: they work end to end and leave
// the TF.js tensor count where it was (the CLI process runs one command, but the library's
// callers may run many).
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { initEngine } from '../../src/engine/index.js';
import { writePredictInputs } from './trees.js';

let dir: string;
const WASM = ['--backend', 'wasm', '--threads', '1'];

async function cli(argv: string[]) {
  const io = memoryIo();
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plca-inprocess-'));
  await initEngine({ backend: 'wasm', threads: 1 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('commands in-process', () => {
  it('train, resume, eval and predict leave no tensors behind', async () => {
    const run = join(dir, 'run');
    const common = ['--config', 'configs/tiny_cpu_debug.ts', ...WASM, '--out', run, '--set', 'data.val=null', '--set', 'train.polyHorizon=3'];
    const before = tf.memory().numTensors;
    const first = await cli(['train', ...common, '--set', 'train.maxIters=2', '--json']);
    expect(first.code, first.err).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({ step: 2, outDir: run });
    expect(tf.memory().numTensors).toBe(before);
    const resumed = await cli(['train', ...common, '--set', 'train.maxIters=3', '--resume', '--json']);
    expect(resumed.code, resumed.err).toBe(0);
    expect(JSON.parse(resumed.out)).toMatchObject({ step: 3 });
    expect(tf.memory().numTensors).toBe(before);

    writePredictInputs(join(dir, 'inputs'));
    const pred = await cli(['predict', '--checkpoint', run, '--input', join(dir, 'inputs'), '--out', join(dir, 'preds'), ...WASM, '--aggregate']);
    expect(pred.code, pred.err).toBe(0);
    expect(pred.out).toMatch(/^4 image\(s\) segmented/);
    const ev = await cli(['eval', '--checkpoint', run, '--dataset', 'minicity', '--root', 'minicity', '--split', 'target_val', '--limit', '3', ...WASM]);
    expect(ev.code, ev.err).toBe(0);
    expect(ev.out).toMatch(/mIoU \(9\)/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
