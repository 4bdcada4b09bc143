// The README's library example runs as written (with a tiny schedule and data).
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainMiniCity } from '../examples/train_minicity.js';

const dir = mkdtempSync(join(tmpdir(), 'plca-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README library example', () => {
  it('trains PLCA on MiniCity and evaluates the checkpoint', async () => {
    const out = join(dir, 'run');
    const mIoU = await trainMiniCity(out, [
      'train.maxIters=2', 'train.polyHorizon=2', 'train.batchSize=2', 'train.valInterval=null',
      'data.minicity.trainImages=8', 'data.minicity.valImages=4', 'runtime.backend="wasm"', 'runtime.threads=1',
    ]);
    expect(existsSync(join(out, 'checkpoints', 'latest.json'))).toBe(true);
    expect(mIoU).not.toBeNull();
    expect(mIoU!).toBeGreaterThanOrEqual(0);
    expect(mIoU!).toBeLessThanOrEqual(100); // percent, as everywhere
  });
});
