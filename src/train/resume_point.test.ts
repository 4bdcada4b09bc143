import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { PlcaError } from '../util/errors.js';
import { checkpointFileName, LATEST_FILE, resolveCheckpointPath, saveCheckpoint, type CheckpointData } from './checkpoint.js';
import { findResumeCheckpoint } from './resume_point.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'plca-resume-point-'));

function sample(step: number): CheckpointData {
  return {
    step, modelName: 'toy', config: { name: `at-${step}` },
    groups: { params: new Map([['w', { shape: [2], dtype: 'float32', data: new Float32Array([step, -step]) }]]) },
    streams: { source: { index: step }, target: null },
  };
}

/** A checkpoints/ directory with step files 2, 4, 6 (latest.json naming 6). */
function run(): string {
  const dir = tmp();
  for (const s of [2, 4, 6]) saveCheckpoint(dir, sample(s));
  return dir;
}

const file = (dir: string, step: number) => join(dir, checkpointFileName(step));
const truncate = (f: string) => writeFileSync(f, readFileSync(f).subarray(0, 40));

function refusal(fn: () => unknown): PlcaError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PlcaError);
    expect((e as PlcaError).code).toBe('PLCA_CHECKPOINT_INVALID');
    return e as PlcaError;
  }
  throw new Error('expected a refusal');
}

describe('findResumeCheckpoint', () => {
  it('is undefined for a directory without checkpoints (or none at all): a fresh start', () => {
    expect(findResumeCheckpoint(tmp())).toBeUndefined();
    expect(findResumeCheckpoint(join(tmp(), 'not-there'))).toBeUndefined();
  });

  it('takes the file latest.json names when it is the newest, silently, with its step and config', () => {
    const dir = run();
    expect(findResumeCheckpoint(dir)).toEqual({ file: file(dir, 6), step: 6, modelName: 'toy', config: { name: 'at-6' }, notes: [] });
  });

  it('latest.json missing or unreadable: the newest step file, with a note saying why', () => {
    const dir = run();
    rmSync(join(dir, LATEST_FILE));
    const p = findResumeCheckpoint(dir)!;
    expect(p.file).toBe(file(dir, 6));
    expect(p.notes).toEqual([`${join(dir, LATEST_FILE)} is missing; resuming from the newest intact checkpoint, ${checkpointFileName(6)}`]);
    for (const bad of ['{"file": "step_00', '{"step": 6}', '{"file": "../elsewhere/x.ckpt"}', 'null']) {
      writeFileSync(join(dir, LATEST_FILE), bad);
      const q = findResumeCheckpoint(dir)!;
      expect(q.file, bad).toBe(file(dir, 6));
      expect(q.notes[0], bad).toMatch(/latest\.json is (not valid JSON|has no "file")/);
    }
  });

  it('latest.json behind (a crash between the rename and the pointer): the newer intact file, never written over', () => {
    const dir = run();
    writeFileSync(join(dir, LATEST_FILE), JSON.stringify({ file: checkpointFileName(4), step: 4 }));
    const p = findResumeCheckpoint(dir)!;
    expect(p.file).toBe(file(dir, 6));
    expect(p.notes[0]).toContain(`names ${checkpointFileName(4)}, but ${checkpointFileName(6)} is newer and intact`);
  });

  it('refuses when the newest file is damaged, naming it and the newest intact one', () => {
    const dir = run();
    truncate(file(dir, 6));
    const e = refusal(() => findResumeCheckpoint(dir));
    expect(e.message).toBe(`cannot resume: the newest checkpoint ${file(dir, 6)} is corrupt or truncated: not a plca checkpoint (bad magic); ` +
      'resuming from an older one would write over it');
    expect(e.hint).toContain(`${checkpointFileName(4)} is intact`);
    truncate(file(dir, 4));
    expect(refusal(() => findResumeCheckpoint(dir)).hint).toContain(`${checkpointFileName(2)} is intact`);
    truncate(file(dir, 2));
    expect(refusal(() => findResumeCheckpoint(dir)).hint).toMatch(/^no intact checkpoint is left/);
  });

  it('refuses a pointer to a file that is gone when nothing else is there', () => {
    const dir = tmp();
    saveCheckpoint(dir, sample(3));
    rmSync(file(dir, 3));
    const e = refusal(() => findResumeCheckpoint(dir));
    expect(e.message).toContain(`names ${checkpointFileName(3)}, which is missing`);
    expect(e.hint).toContain('leave out --resume');
  });

  it('counts a pointer target of another name (plca model import) by the step the pointer gives', () => {
    const dir = tmp();
    saveCheckpoint(dir, sample(0), 'imported.ckpt');
    expect(findResumeCheckpoint(dir)!.file).toBe(join(dir, 'imported.ckpt'));
    saveCheckpoint(dir, sample(2));
    writeFileSync(join(dir, LATEST_FILE), JSON.stringify({ file: 'imported.ckpt', step: 0 }));
    expect(findResumeCheckpoint(dir)!.file).toBe(file(dir, 2));
  });
});

describe('resolveCheckpointPath on a directory without a usable pointer', () => {
  it('names the step files and the newest as the one to pass', () => {
    const dir = run();
    renameSync(join(dir, LATEST_FILE), join(dir, 'old.json'));
    const e = refusal(() => resolveCheckpointPath(dir));
    expect(e.message).toBe(`directory ${dir} holds no checkpoint pointer (latest.json); it holds ` +
      `${checkpointFileName(2)} … ${checkpointFileName(6)} (3 files)`);
    expect(e.hint).toBe(`name a checkpoint file instead, e.g. the newest: --checkpoint ${file(dir, 6)}`);
    writeFileSync(join(dir, LATEST_FILE), '{');
    expect(refusal(() => resolveCheckpointPath(dir)).message).toMatch(/has an unreadable checkpoint pointer: .* is not valid JSON/);
  });

  it('looks into a run directory\'s checkpoints/', () => {
    const runDir = tmp();
    const dir = join(runDir, 'checkpoints');
    for (const s of [1, 2]) saveCheckpoint(dir, sample(s));
    expect(resolveCheckpointPath(runDir)).toBe(file(dir, 2));
    rmSync(join(dir, LATEST_FILE));
    expect(refusal(() => resolveCheckpointPath(runDir)).message).toContain(`directory ${dir} holds no checkpoint pointer`);
  });
});
