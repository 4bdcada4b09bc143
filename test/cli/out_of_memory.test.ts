// Out of memory while training, through the real binary: one error line naming the model, crop,
// batch and peak, a hint, no stack and no emscripten glue, and no work lost — the updates done
// since the last checkpoint are saved as they were before the failed one, and resuming from that
// save gives the same weights as a run that never failed. The failure is injected
// (debug.injectOomAtStep): on wasm a 4 GB allocation, refused by the heap guard as an exhausted heap is.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, resolveCheckpointPath } from '../../src/train/checkpoint.js';
import { errorCode, runPlca } from './run_plca.js';

let dir: string;
// BN (running statistics to restore) and a target stream (two stream positions)
const TINY = ['--config', 'configs/tiny_cpu_debug.ts', '--backend', 'wasm', '--threads', '1', '--set', 'data.val=null',
  '--set', 'model.name=minicity_bn', '--set', 'train.maxIters=3', '--set', 'train.polyHorizon=4', '--set', 'train.checkpointInterval=10'];

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'plca-oom-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('out of memory in training', () => {
  it('stops with one line, saves the updates done, and resumes to the same weights as a run that never failed', async () => {
    const failed = join(dir, 'failed');
    const straight = join(dir, 'straight');
    const [r, ok] = await Promise.all([
      runPlca(['train', ...TINY, '--out', failed, '--set', 'debug.injectOomAtStep=2']),
      runPlca(['train', ...TINY, '--out', straight]),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(errorCode(r.stderr), r.stderr).toBe('PLCA_OUT_OF_MEMORY');
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    const error = lines.find((l) => l.startsWith('plca: error ['))!;
    expect(error).toMatch(/out of memory in update 3 of minicity_bn \(crop 32×64, batch 2 per domain, train\.recompute auto = off\) \(peak RSS \d+ MB, wasm heap \d+ MB of 4096 MB\)/);
    expect(error).toContain(`saved at update 2 in ${join(failed, 'checkpoints', 'step_0000002.ckpt')}`);
    expect(lines.find((l) => l.startsWith('  hint: '))).toMatch(/train\.recompute.*--backend tensorflow/);
    expect(r.stderr).not.toMatch(/^\s+at |emscripten|function\(|=>/m);
    expect(readdirSync(join(failed, 'checkpoints')).filter((f) => f.endsWith('.ckpt'))).toEqual(['step_0000002.ckpt']);

    const resumed = await runPlca(['train', '--out', failed, '--resume', '--set', 'debug.injectOomAtStep=null']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const a = loadCheckpoint(resolveCheckpointPath(failed));
    const b = loadCheckpoint(resolveCheckpointPath(straight));
    expect(a.step).toBe(3);
    for (const group of ['params', 'state', 'momentum'] as const) {
      const ga = a.groups[group]!;
      const gb = b.groups[group]!;
      expect([...ga.keys()]).toEqual([...gb.keys()]);
      for (const [n, t] of gb) expect(Array.from(ga.get(n)!.data), `${group} ${n}`).toEqual(Array.from(t.data));
    }
  });
});
