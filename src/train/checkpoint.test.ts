import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../engine/index.js';
import { createModel } from '../models/index.js';
import { PlcaError } from '../util/errors.js';
import {
  DEBUG_PAUSE_ENV, LATEST_FILE, loadCheckpoint, resolveCheckpointPath, saveCheckpoint, type CheckpointData,
} from './checkpoint.js';
import { snapshotTensors } from './model_state.js';
import { restoreModel } from './restore.js';

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
});

const tmp = () => mkdtempSync(join(tmpdir(), 'plca-ckpt-'));

function sample(step: number): CheckpointData {
  return {
    step, modelName: 'toy', config: { name: 'x', nested: { a: [1, 2] } },
    groups: {
      params: new Map([['a.weight', { shape: [2, 3], dtype: 'float32', data: new Float32Array([1, -2, 3.5, NaN, 1e-30, -0]) }]]),
      state: new Map([['count', { shape: [], dtype: 'int32', data: new Int32Array([7]) }]]),
    },
    streams: { source: { index: 3 }, target: null },
  };
}

function expectInvalid(fn: () => unknown, ...parts: string[]): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PlcaError);
    expect((e as PlcaError).code).toBe('PLCA_CHECKPOINT_INVALID');
    for (const p of parts) expect((e as PlcaError).message).toContain(p);
    return;
  }
  throw new Error('expected PLCA_CHECKPOINT_INVALID');
}

describe('checkpoint files', () => {
  it('round-trip every byte, the step, config and stream states; latest points at the newest', () => {
    const dir = tmp();
    saveCheckpoint(dir, sample(1));
    const p = saveCheckpoint(dir, sample(2));
    expect(resolveCheckpointPath(dir)).toBe(p);
    expect(JSON.parse(readFileSync(join(dir, LATEST_FILE), 'utf8'))).toEqual({ file: 'step_0000002.ckpt', step: 2 });
    const c = loadCheckpoint(dir);
    expect(c.step).toBe(2);
    expect(c.config).toEqual(sample(2).config);
    expect(c.streams).toEqual({ source: { index: 3 }, target: null });
    const a = c.groups.params.get('a.weight')!;
    expect(a.shape).toEqual([2, 3]);
    expect(new Uint8Array(a.data.buffer)).toEqual(new Uint8Array(sample(2).groups.params.get('a.weight')!.data.buffer));
    expect(c.groups.state.get('count')).toEqual({ shape: [], dtype: 'int32', data: new Int32Array([7]) });
    // Atomic writes leave no temporary files behind.
    expect(readdirSync(dir).sort()).toEqual(['latest.json', 'step_0000001.ckpt', 'step_0000002.ckpt']);
  });

  it('a flipped byte or a truncated file is PLCA_CHECKPOINT_INVALID naming the file', () => {
    const dir = tmp();
    const p = saveCheckpoint(dir, sample(5));
    const bytes = readFileSync(p);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 40] ^= 0x01; // inside the tensor blob
    const f1 = join(dir, 'flipped.ckpt');
    writeFileSync(f1, flipped);
    expectInvalid(() => loadCheckpoint(f1), f1, 'checksum');
    const f2 = join(dir, 'short.ckpt');
    writeFileSync(f2, bytes.subarray(0, bytes.length - 100));
    expectInvalid(() => loadCheckpoint(f2), f2);
    const f3 = join(dir, 'tiny.ckpt');
    writeFileSync(f3, bytes.subarray(0, 10));
    expectInvalid(() => loadCheckpoint(f3), f3);
    const f4 = join(dir, 'other.ckpt');
    writeFileSync(f4, '{"not": "a checkpoint"}'.repeat(4));
    expectInvalid(() => loadCheckpoint(f4), f4, 'magic');
    expect(statSync(p).size).toBe(bytes.length);
  });

  it('a directory without a pointer, or a pointer to a missing file, is an error naming it', () => {
    const dir = tmp();
    expectInvalid(() => resolveCheckpointPath(dir), dir);
    writeFileSync(join(dir, LATEST_FILE), JSON.stringify({ file: 'gone.ckpt' }));
    expectInvalid(() => resolveCheckpointPath(dir), 'gone.ckpt');
    expect(() => resolveCheckpointPath(join(dir, 'nope.ckpt'))).toThrow(/checkpoint not found/);
  });
});

describe('torn writes', () => {
  it('the next checkpoint removes the temp files of dead writers, and only those', () => {
    const dir = tmp();
    // The pid of a process that has exited (and been reaped): what a SIGKILLed run leaves.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const planted = [
      `.step_0000002.ckpt.tmp-${dead}-1`, `.latest.json.tmp-${dead}-2`, // a dead writer's: removed
      `.step_0000003.ckpt.tmp-${process.pid}-3`, `.step_0000004.ckpt.tmp-${process.ppid}-4`, // live writers'
      `.notes.txt.tmp-${dead}-5`, 'other.txt', // not a checkpoint's
    ];
    for (const n of planted) writeFileSync(join(dir, n), 'torn');
    saveCheckpoint(dir, sample(1));
    expect(readdirSync(dir).sort()).toEqual([...planted.slice(2), LATEST_FILE, 'step_0000001.ckpt'].sort());
  });

  it('the pause hook changes no byte of what is written; a bad value is an error before any write', () => {
    const plain = readFileSync(saveCheckpoint(tmp(), sample(3)));
    const saved = process.env[DEBUG_PAUSE_ENV];
    try {
      for (const spec of ['partial:1', 'before-rename:1', 'before-latest:1', 'partial:1@999999']) {
        process.env[DEBUG_PAUSE_ENV] = spec;
        const dir = tmp();
        expect(readFileSync(saveCheckpoint(dir, sample(3))).equals(plain), spec).toBe(true);
        expect(readdirSync(dir).sort(), spec).toEqual([LATEST_FILE, 'step_0000003.ckpt']);
      }
      for (const spec of ['partial', 'middle:10', 'partial:-1', 'partial:10@x']) {
        process.env[DEBUG_PAUSE_ENV] = spec;
        const dir = tmp();
        expect(() => saveCheckpoint(dir, sample(3)), spec).toThrow(/PLCA_DEBUG_CHECKPOINT_PAUSE=".*" is not POINT:MS\[@N\]/);
        expect(readdirSync(dir), spec).toEqual([]);
      }
    } finally {
      if (saved === undefined) delete process.env[DEBUG_PAUSE_ENV];
      else process.env[DEBUG_PAUSE_ENV] = saved;
    }
  });

});

describe('restoreModel', () => {
  function save(model: ReturnType<typeof createModel>, dir: string): string {
    return saveCheckpoint(dir, {
      step: 3, modelName: model.name, config: {}, streams: {},
      groups: { params: snapshotTensors(model.params), state: snapshotTensors(model.state) },
    });
  }

  it('loads the weights of the same architecture bit for bit, without leaking tensors', () => {
    const a = createModel('minicity_bn', { numClasses: 5, seed: 1 });
    const b = createModel('minicity_bn', { numClasses: 5, seed: 2 });
    const dir = tmp();
    save(a, dir);
    const before = tf.memory().numTensors;
    expect(restoreModel(b, dir).step).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    for (const [name, v] of a.params) expect(b.params.get(name)!.dataSync(), name).toEqual(v.dataSync());
    for (const [name, v] of a.state) expect(b.state.get(name)!.dataSync(), name).toEqual(v.dataSync());
    a.dispose();
    b.dispose();
  });

  it('names the first parameter that does not fit another model', () => {
    const dir9 = tmp();
    const nine = createModel('minicity_gn', { numClasses: 9, seed: 0 });
    const p = save(nine, dir9);
    const five = createModel('minicity_gn', { numClasses: 5, seed: 0 });
    // Only the classifier depends on the class count; it is the first mismatch in model order.
    const firstBad = [...five.params.keys()].find((n) => n.startsWith('classifier'))!;
    expectInvalid(() => restoreModel(five, p), p, `"${firstBad}"`, '[1, 1, 96, 9]');
    const bn = createModel('minicity_bn', { numClasses: 9, seed: 0 });
    expectInvalid(() => restoreModel(bn, p), p, 'missing from the checkpoint');
    const tiny = createModel('resnet_tiny_aspp', { numClasses: 9, seed: 0 });
    expectInvalid(() => restoreModel(tiny, p), `"${[...tiny.params.keys()][0]}"`);
    for (const m of [nine, five, bn, tiny]) m.dispose();
  });
});
