// A real SIGKILL inside the atomic checkpoint write, through the real binary. interrupt.test.ts
// plants a torn temp file by hand; here the test hook PLCA_DEBUG_CHECKPOINT_PAUSE (see
// src/train/checkpoint.ts) holds `plca train` at a chosen point of its second checkpoint write,
// the test kills it there, and then checks what a crash at that point really leaves on disk:
// the first checkpoint and latest.json intact, nothing half-written taken for a checkpoint, and
// a --resume (from the newest whole checkpoint) that ends bit for bit where an uninterrupted run ends, leaving no temp file behind.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlcaError } from '../../src/util/errors.js';
import {
  checkpointFileName, loadCheckpoint, resolveCheckpointPath, type CheckpointData, type CheckpointPausePoint,
} from '../../src/train/checkpoint.js';
import { runPlca, type PlcaResult } from './run_plca.js';

const STEPS = 3;
/** The checkpoint write that is killed: the second, so that a first one exists to fall back to. */
const KILLED_STEP = 2;
const POINTS: CheckpointPausePoint[] = ['partial', 'before-rename', 'before-latest'];
let dir: string;

/** The tiny MiniCity run, one thread (bit-for-bit reproducible), a checkpoint after every update. */
function trainArgs(out: string): string[] {
  return ['train', '--config', 'configs/tiny_cpu_debug.ts', '--out', out, '--backend', 'wasm', '--threads', '1',
    '--set', `train.maxIters=${STEPS}`, '--set', `train.polyHorizon=${STEPS}`, '--set', 'train.checkpointInterval=1',
    '--set', 'data.val=null'];
}

interface Killed { result: PlcaResult; pausedFile: string | undefined; pid: number | undefined }

/**
 * Trains with the hook pausing the KILLED_STEP-th checkpoint write at `point` (for a minute: far
 * longer than the kill takes) and SIGKILLs the process as soon as it says it is paused there.
 */
async function killInsideWrite(out: string, point: CheckpointPausePoint): Promise<Killed> {
  let pausedFile: string | undefined;
  let pid: number | undefined;
  const result = await runPlca(trainArgs(out), {
    timeoutMs: 120_000,
    env: { PLCA_DEBUG_CHECKPOINT_PAUSE: `${point}:60000@${KILLED_STEP}` },
    onStderr: (child, err) => {
      // Up to the newline: a chunk could end inside the path.
      const m = new RegExp(`^plca-debug: checkpoint write paused \\(${point}\\) (.+)\n`, 'm').exec(err);
      if (pausedFile === undefined && m !== null) {
        pausedFile = m[1];
        pid = child.pid;
        child.kill('SIGKILL');
      }
    },
  });
  return { result, pausedFile, pid };
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

const tempFiles = (ckDir: string): string[] => readdirSync(ckDir).filter((n) => n.includes('.tmp-'));
let ref: PlcaResult;
const killed: Partial<Record<CheckpointPausePoint, Killed>> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plca-kill-ckpt-'));
  // The reference and the three killed runs at once (the killed ones sleep while paused).
  const [r, ...k] = await Promise.all([
    runPlca(trainArgs(join(dir, 'ref')), { timeoutMs: 120_000 }),
    ...POINTS.map((p) => killInsideWrite(join(dir, p), p)),
  ]);
  ref = r;
  POINTS.forEach((p, i) => { killed[p] = k[i]; });
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SIGKILL inside a checkpoint write (real process, PLCA_DEBUG_CHECKPOINT_PAUSE)', () => {
  it('runs the reference to the end, without any temp file left', () => {
    expect(ref.code, ref.stderr).toBe(0);
    expect(ref.stderr).not.toContain('plca-debug');
    expect(loadCheckpoint(join(dir, 'ref')).step).toBe(STEPS);
    expect(tempFiles(join(dir, 'ref', 'checkpoints'))).toEqual([]);
  });

  for (const point of POINTS) {
    it(`killed at "${point}": the previous checkpoint stays the latest, and --resume finishes bit for bit`, async () => {
      const { result, pausedFile, pid } = killed[point]!;
      const out = join(dir, point);
      const ckDir = join(out, 'checkpoints');
      expect(result.signal, result.stderr).toBe('SIGKILL');
      expect(pausedFile, result.stderr).toBeDefined();
      expect(dirname(pausedFile!)).toBe(ckDir);
      // The process got through update KILLED_STEP and no further.
      expect(result.stderr).toContain(`step ${KILLED_STEP}/${STEPS}`);
      expect(result.stderr).not.toContain(`step ${KILLED_STEP + 1}/${STEPS}`);

      // latest.json still names the previous checkpoint, which is complete (loadCheckpoint checks its SHA-256).
      const prevName = checkpointFileName(KILLED_STEP - 1);
      const newName = checkpointFileName(KILLED_STEP);
      expect(JSON.parse(readFileSync(join(ckDir, 'latest.json'), 'utf8'))).toEqual({ file: prevName, step: KILLED_STEP - 1 });
      expect(resolveCheckpointPath(out)).toBe(join(ckDir, prevName));
      const prev = loadCheckpoint(out);
      expect(prev.step).toBe(KILLED_STEP - 1);
      // The uninterrupted reference wrote the very bytes the killed run was writing (same run, one thread).
      const fullSize = statSync(join(dir, 'ref', 'checkpoints', newName)).size;

      if (point === 'before-latest') {
        // Killed after the rename: the new checkpoint is whole but not yet pointed at; no temp file.
        expect(pausedFile).toBe(join(ckDir, newName));
        expect(loadCheckpoint(join(ckDir, newName)).step).toBe(KILLED_STEP);
        expect(tempFiles(ckDir)).toEqual([]);
      } else {
        // Killed before the rename: no file under the checkpoint's name, only the hidden temp file.
        expect(existsSync(join(ckDir, newName))).toBe(false);
        expect(tempFiles(ckDir)).toEqual([basename(pausedFile!)]);
        expect(basename(pausedFile!).startsWith(`.${newName}.tmp-${pid}-`)).toBe(true);
        const size = statSync(pausedFile!).size;
        if (point === 'partial') {
          // Really torn: half of the bytes, which a reader rejects.
          expect(size).toBe(Math.floor(fullSize / 2));
          expect(() => loadCheckpoint(pausedFile!)).toThrow(PlcaError);
        } else {
          // Complete and fsynced, yet never a checkpoint: nothing reads temp files.
          expect(size).toBe(fullSize);
          expect(loadCheckpoint(pausedFile!).step).toBe(KILLED_STEP);
        }
      }

      const whole = point === 'before-latest' ? readFileSync(join(ckDir, newName)) : undefined;
      const resumed = await runPlca([...trainArgs(out), '--resume'], { timeoutMs: 120_000 });
      expect(resumed.code, resumed.stderr).toBe(0);
      if (whole !== undefined) {
        // The renamed checkpoint is newer than the pointer and intact: the resume continues from
        // it (losing nothing, and never writing over it) and says why.
        expect(resumed.stderr).toContain(`resumed from ${join(ckDir, newName)} at update ${KILLED_STEP}`);
        expect(resumed.stderr).toContain(`plca: note: latest.json names ${prevName}, but ${newName} is newer and intact; resuming from ${newName}`);
        expect(readFileSync(join(ckDir, newName)).equals(whole)).toBe(true);
      } else {
        expect(resumed.stderr).toContain(`resumed from ${join(ckDir, prevName)} at update ${KILLED_STEP - 1}`);
      }
      expectSameWeights(loadCheckpoint(join(dir, 'ref')), loadCheckpoint(out));
      // The dead writer's temp file was removed by the resumed run's first checkpoint.
      expect(tempFiles(ckDir)).toEqual([]);
      expect(readdirSync(ckDir).filter((n) => n.endsWith('.ckpt')).sort())
        .toEqual(Array.from({ length: STEPS }, (_, i) => checkpointFileName(i + 1)));
    }, 120_000);
  }
});
