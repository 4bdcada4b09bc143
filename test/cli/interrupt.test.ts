// Ctrl-C and SIGKILL during `plca train`, through the real binary: an interrupted or killed run
// resumes to exactly the weights of a run that was never interrupted (nothing lost, nothing
// repeated), and a second Ctrl-C exits at once without damaging the previous checkpoint.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, resolveCheckpointPath, type CheckpointData } from '../../src/train/checkpoint.js';
import { errorCode, runPlca, type PlcaResult } from './run_plca.js';

const STEPS = 5;
let dir: string;

/** The tiny MiniCity run, one thread (bit-for-bit reproducible), a checkpoint after every update. */
function trainArgs(out: string): string[] {
  return ['train', '--config', 'configs/tiny_cpu_debug.ts', '--out', out, '--backend', 'wasm', '--threads', '1',
    '--set', `train.maxIters=${STEPS}`, '--set', `train.polyHorizon=${STEPS}`, '--set', 'train.checkpointInterval=1',
    '--set', 'data.val=null'];
}

/**
 * Runs training and sends `signal` once stderr shows update `atStep`; with `again`, a second
 * Ctrl-C once the first one was acknowledged (two at once would merge into one pending signal).
 */
function trainAndSignal(out: string, atStep: number, signal: NodeJS.Signals, again = false): Promise<PlcaResult> {
  let sent = 0;
  return runPlca(trainArgs(out), {
    timeoutMs: 120_000,
    onStderr: (child, err) => {
      if (sent === 0 && err.includes(`step ${atStep}/${STEPS}`)) {
        sent = 1;
        child.kill(signal);
      } else if (sent === 1 && again && err.includes('press Ctrl-C again')) {
        sent = 2;
        child.kill('SIGINT');
      }
    },
  });
}

function lastCheckpoint(run: string): CheckpointData {
  return loadCheckpoint(resolveCheckpointPath(run));
}

function expectSameWeights(a: CheckpointData, b: CheckpointData): void {
  expect(b.step).toBe(a.step);
  for (const group of ['params', 'state', 'momentum']) {
    // Groups without tensors (BN statistics of a GroupNorm net) are not stored.
    const ga = a.groups[group] ?? new Map();
    const gb = b.groups[group] ?? new Map();
    expect([...gb.keys()]).toEqual([...ga.keys()]);
    for (const [name, t] of ga) expect(Buffer.from(gb.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), `${group}/${name}`).toBe(true);
  }
}

const results: Record<string, PlcaResult> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plca-interrupt-'));
  // Four runs at once: the reference, Ctrl-C, Ctrl-C twice, SIGKILL.
  const [ref, sigint, twice, killed] = await Promise.all([
    runPlca(trainArgs(join(dir, 'ref')), { timeoutMs: 120_000 }),
    trainAndSignal(join(dir, 'sigint'), 2, 'SIGINT'),
    trainAndSignal(join(dir, 'twice'), 2, 'SIGINT', true),
    trainAndSignal(join(dir, 'killed'), 3, 'SIGKILL'),
  ]);
  Object.assign(results, { ref, sigint, twice, killed });
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('interrupting plca train', () => {
  it('runs the reference to the end', () => {
    expect(results.ref.code, results.ref.stderr).toBe(0);
    expect(lastCheckpoint(join(dir, 'ref')).step).toBe(STEPS);
  });

  it('Ctrl-C writes a checkpoint, exits 130 and says how to resume; the resumed run loses nothing', async () => {
    const r = results.sigint;
    const out = join(dir, 'sigint');
    expect(r.code, r.stderr).toBe(130);
    expect(errorCode(r.stderr)).toBe('PLCA_INTERRUPTED');
    expect(r.stderr).toContain('press Ctrl-C again to exit at once');
    const ck = lastCheckpoint(out);
    expect(ck.step).toBeGreaterThanOrEqual(2);
    expect(ck.step).toBeLessThan(STEPS);
    expect(r.stderr).toContain(`checkpoint written to ${resolveCheckpointPath(out)}`);
    expect(r.stderr).toContain(`hint: resume with: plca train --out ${out} --resume`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    // The printed command, as printed: the run's own config.json carries the settings.
    const resumed = await runPlca(['train', '--out', out, '--resume', '--backend', 'wasm', '--threads', '1'], { timeoutMs: 120_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resumed from ${resolveCheckpointPath(join(out, 'checkpoints', `step_${String(ck.step).padStart(7, '0')}.ckpt`))}`);
    expectSameWeights(lastCheckpoint(join(dir, 'ref')), lastCheckpoint(out));
  }, 120_000);

  it('a second Ctrl-C ends the process at once and leaves a loadable checkpoint to resume from', async () => {
    const r = results.twice;
    const out = join(dir, 'twice');
    // Killed by the default SIGINT action (the shell shows 130), unless the first one had
    // already finished writing its checkpoint when the second arrived.
    expect(r.signal === 'SIGINT' || r.code === 130, r.stderr).toBe(true);
    expect(lastCheckpoint(out).step).toBeGreaterThanOrEqual(1);
    const resumed = await runPlca([...trainArgs(out), '--resume'], { timeoutMs: 120_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expectSameWeights(lastCheckpoint(join(dir, 'ref')), lastCheckpoint(out));
  }, 120_000);

  it('SIGKILL (also in the middle of a checkpoint write) leaves the previous checkpoint intact and resumable', async () => {
    const r = results.killed;
    const out = join(dir, 'killed');
    expect(r.signal).toBe('SIGKILL');
    const before = lastCheckpoint(out); // verifies the file's SHA-256: intact
    expect(before.step).toBeGreaterThanOrEqual(2);
    // A kill during a checkpoint write leaves a torn temporary file that was never renamed
    // (checkpoint.ts writes temp → fsync → rename); plant one, as that kill would.
    const ckDir = join(out, 'checkpoints');
    const latest = readFileSync(join(ckDir, 'latest.json'), 'utf8');
    const torn = join(ckDir, `.step_${String(before.step + 1).padStart(7, '0')}.ckpt.tmp-99999-1`);
    writeFileSync(torn, readFileSync(resolveCheckpointPath(out)).subarray(0, 1000));
    expect(readFileSync(join(ckDir, 'latest.json'), 'utf8')).toBe(latest);
    const resumed = await runPlca([...trainArgs(out), '--resume'], { timeoutMs: 120_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`at update ${before.step}`);
    expectSameWeights(lastCheckpoint(join(dir, 'ref')), lastCheckpoint(out));
  }, 120_000);
});
