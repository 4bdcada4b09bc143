// `plca train --resume` never destroys a checkpoint, through the real binary: with latest.json
// missing or unreadable it continues from the newest intact step file and says so; with the
// newest step file damaged it refuses (resuming from an older one would write over it) and
// names the intact one; a run directory without config.json resumes with the config stored in
// its checkpoint; and a read (`plca eval`) of a run without a usable pointer names the step files.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointFileName } from '../../src/train/checkpoint.js';
import { errorCode, runPlca, type PlcaResult } from './run_plca.js';

let dir: string;
let base: string; // a finished tiny run with step_0000002.ckpt and step_0000004.ckpt
let baseRun: PlcaResult;

const TIMEOUT = 120_000;
/** One more update than the base run: a resume that trains writes step 5 (the final checkpoint). */
const MORE = ['--backend', 'wasm', '--threads', '1', '--set', 'train.maxIters=5', '--set', 'train.polyHorizon=5'];

/** A copy of the base run to damage. */
function copyRun(name: string): { out: string; ck: string } {
  const out = join(dir, name);
  cpSync(base, out, { recursive: true });
  return { out, ck: join(out, 'checkpoints') };
}

/** Every file of a directory with its bytes, to show that nothing was written over. */
function snapshot(d: string): Map<string, Buffer> {
  return new Map(readdirSync(d).sort().map((n) => [n, readFileSync(join(d, n))]));
}

function expectUnchanged(before: Map<string, Buffer>, d: string, names: readonly string[]): void {
  for (const n of names) expect(readFileSync(join(d, n)).equals(before.get(n)!), `${n} was written over`).toBe(true);
}

function truncate(file: string): void {
  writeFileSync(file, readFileSync(file).subarray(0, 3000));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plca-resume-safety-'));
  base = join(dir, 'base');
  baseRun = await runPlca(['train', '--config', 'configs/tiny_cpu_debug.ts', '--out', base, '--backend', 'wasm', '--threads', '1',
    '--set', 'data.val=null', '--set', 'train.maxIters=4', '--set', 'train.polyHorizon=4', '--set', 'train.checkpointInterval=2'],
  { timeoutMs: TIMEOUT });
}, TIMEOUT);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent('plca train --resume keeps every checkpoint', () => {
  const S2 = checkpointFileName(2);
  const S4 = checkpointFileName(4);

  it('trains the base run', () => {
    expect(baseRun.code, baseRun.stderr).toBe(0);
    expect(readdirSync(join(base, 'checkpoints')).sort()).toEqual(['latest.json', S2, S4]);
  });

  it('latest.json missing: continues from the newest step file, says so, and writes over neither', async () => {
    const { out, ck } = copyRun('no-pointer');
    rmSync(join(ck, 'latest.json'));
    const before = snapshot(ck);
    const r = await runPlca(['train', '--out', out, '--resume', ...MORE], { timeoutMs: TIMEOUT });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`resumed from ${join(ck, S4)} at update 4`);
    expect(r.stderr).toContain(`plca: note: ${join(ck, 'latest.json')} is missing; resuming from the newest intact checkpoint, ${S4}`);
    expect(r.stderr).not.toContain('starting from update 0');
    expectUnchanged(before, ck, [S2, S4]);
    expect(JSON.parse(readFileSync(join(ck, 'latest.json'), 'utf8'))).toEqual({ file: checkpointFileName(5), step: 5 });
  }, TIMEOUT);

  it('latest.json truncated: the same, naming what is wrong with it', async () => {
    const { out, ck } = copyRun('bad-pointer');
    writeFileSync(join(ck, 'latest.json'), '{"file": "step_00');
    const before = snapshot(ck);
    const r = await runPlca(['train', '--out', out, '--resume', ...MORE], { timeoutMs: TIMEOUT });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`resumed from ${join(ck, S4)} at update 4`);
    expect(r.stderr).toMatch(/plca: note: .*latest\.json is not valid JSON .*; resuming from the newest intact checkpoint, step_0000004\.ckpt/);
    expectUnchanged(before, ck, [S2, S4]);
  }, TIMEOUT);

  it('the newest step file damaged: refuses, names it and the intact one, and writes nothing', async () => {
    const { out, ck } = copyRun('damaged-newest');
    rmSync(join(ck, 'latest.json'));
    truncate(join(ck, S4));
    const before = snapshot(ck);
    const config = readFileSync(join(out, 'config.json'));
    const r = await runPlca(['train', '--out', out, '--resume', ...MORE], { timeoutMs: TIMEOUT });
    expect(r.code, r.stderr).toBe(1);
    expect(errorCode(r.stderr)).toBe('PLCA_CHECKPOINT_INVALID');
    expect(r.stderr).toContain(`cannot resume: the newest checkpoint ${join(ck, S4)} is corrupt or truncated`);
    expect(r.stderr).toContain(`hint: ${S2} is intact: to continue from it, move the damaged file aside`);
    expect(snapshot(ck)).toEqual(before);
    expect(readFileSync(join(out, 'config.json')).equals(config)).toBe(true);
  }, TIMEOUT);

  it('a new run (no --resume) refuses a directory with step files even without latest.json', async () => {
    const { out, ck } = copyRun('no-pointer-new');
    rmSync(join(ck, 'latest.json'));
    const before = snapshot(ck);
    const r = await runPlca(['train', '--config', 'configs/tiny_cpu_debug.ts', '--out', out, '--set', 'data.val=null'], { timeoutMs: TIMEOUT });
    expect(r.code, r.stderr).toBe(1);
    expect(errorCode(r.stderr)).toBe('PLCA_INVALID_ARGUMENT');
    expect(r.stderr).toContain(`${out} already holds a training run (${join(ck, S4)})`);
    expect(snapshot(ck)).toEqual(before);
  }, TIMEOUT);
});

describe.concurrent('what --resume continues with', () => {
  it('no config.json: the config stored in the checkpoint (not the defaults)', async () => {
    const { out } = copyRun('no-config');
    rmSync(join(out, 'config.json'));
    const r = await runPlca(['train', '--out', out, '--resume', ...MORE], { timeoutMs: TIMEOUT });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${out} has no config.json; continuing with the config stored in ${join(out, 'checkpoints', checkpointFileName(4))}`);
    expect(r.stderr).toContain('at update 4');
  }, TIMEOUT);

  it('with --config and nothing there yet: starts the run (one command line for the first start and every restart)', async () => {
    const fresh = join(dir, 'first-start');
    const r = await runPlca(['train', '--config', 'configs/tiny_cpu_debug.ts', '--out', fresh, '--resume', '--set', 'data.val=null',
      '--set', 'train.maxIters=1', '--set', 'train.polyHorizon=1', ...MORE.slice(0, 4)], { timeoutMs: TIMEOUT });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`plca: no checkpoint in ${fresh}; starting from update 0`);
    expect(readdirSync(join(fresh, 'checkpoints'))).toContain(checkpointFileName(1));
  }, TIMEOUT);

  it('neither config.json nor a checkpoint nor --config: says there is nothing to resume', async () => {
    const missing = join(dir, 'never-trained');
    const r = await runPlca(['train', '--out', missing, '--resume']);
    expect(r.code).toBe(1);
    expect(errorCode(r.stderr), r.stderr).toBe('PLCA_FILE_NOT_FOUND');
    expect(r.stderr).toContain(`nothing to resume: ${missing} does not exist`);
    expect(r.stderr).toContain('hint: check --out; to start a new run there, give --config FILE and leave out --resume');
    expect(r.stderr).not.toContain('cityscapes');
  });
});

describe('reading a run whose pointer is gone', () => {
  it('eval names the step files and the newest one to pass', async () => {
    const { out, ck } = copyRun('eval-no-pointer');
    rmSync(join(ck, 'latest.json'));
    const r = await runPlca(['eval', '--checkpoint', out, '--dataset', 'minicity', '--root', 'minicity', '--split', 'target_val', '--limit', '1']);
    expect(r.code).toBe(1);
    expect(errorCode(r.stderr), r.stderr).toBe('PLCA_CHECKPOINT_INVALID');
    expect(r.stderr).toContain(`directory ${ck} holds no checkpoint pointer (latest.json); it holds ${checkpointFileName(2)} … ${checkpointFileName(4)} (2 files)`);
    expect(r.stderr).toContain(`hint: name a checkpoint file instead, e.g. the newest: --checkpoint ${join(ck, checkpointFileName(4))}`);
  });
});
