// scripts/paper_protocol.ts at tiny sizes (the real 1914×1052 / 2048×1024 run is a measurement for
// the README, never a test): the generated trees read as GTAV and Cityscapes, `plca train` with
// the paper's config runs the updates and checkpoints, `plca eval --aggregate` scores the image.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { runProtocol } from '../../scripts/paper_protocol.js';

const out = mkdtempSync(join(tmpdir(), 'plca-protocol-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('paper protocol script (tiny sizes)', () => {
  it('trains two accumulated updates with the G→C config, checkpoints, and evaluates one image with aggregation', async () => {
    const r = await runProtocol({ out, tiny: true, batch: 1, gradAccum: 2, updates: 2, sets: ['model.name=resnet_tiny_aspp'], log: () => {} });
    expect(r.train).toMatchObject({ updates: 2, imagesPerUpdatePerDomain: 2 });
    expect(r.train.updateMs).toHaveLength(2);
    expect(r.train.peakRssMB).toBeGreaterThan(0);
    const ck = loadCheckpoint(r.train.checkpoint);
    expect(ck.step).toBe(2);
    expect(ck.config).toMatchObject({ name: 'gta5_to_cityscapes_plca', method: { mode: 'plca' }, train: { batchSize: 1, gradAccum: 2 } });
    expect(r.eval).toMatchObject({ images: 1, inputSize: [48, 96], aggregate: true });
    expect(r.eval.peakRssMB).toBeGreaterThan(0);
  });
});
