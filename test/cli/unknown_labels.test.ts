// `plca train` on a label PNG with ids outside the dataset's mapping (data.unknownLabels, default
// 'error'), through the real binary and its worker-thread loader: with 'error', one clear line naming the file
// and the ids, the hint, exit 1, no stack trace; with 'warn', one warning and a finished run. (`plca data check` lists such files: robustness.test.ts.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePng } from '../../src/data/image_io.js';
import { errorCode, runPlca } from './run_plca.js';
import { writeCityscapesTree } from './trees.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'plca-unknown-labels-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('label ids outside the mapping (plca train)', () => {
  it('stops with PLCA_LABEL_INVALID naming the file, the ids and the pixels, and the way out', async () => {
    const root = join(dir, 'cs');
    const { labels } = writeCityscapesTree(root, { split: 'train', count: 3, width: 32, height: 16 });
    // Half id 200 (no Cityscapes id), half void 0 (in the table, mapped to ignore: never reported).
    writePng(labels[1], { width: 32, height: 16, channels: 1, data: Uint8Array.from({ length: 512 }, (_, i) => (i < 256 ? 200 : 0)) });
    const config = join(dir, 'cs.json');
    writeFileSync(config, JSON.stringify({
      name: 'cs_unknown', model: { name: 'minicity_gn', numClasses: 19 },
      data: {
        source: { dataset: 'cityscapes', root, split: 'train' }, target: null, val: null,
        resizeShort: [16, 16], crop: [16, 32], evalSize: [16, 32], workers: 1,
      },
      method: { mode: 'source_only' },
      train: { maxIters: 2, polyHorizon: 2, batchSize: 3, gradAccum: 1, checkpointInterval: 2, valInterval: null, logInterval: 1 },
      runtime: { backend: 'wasm', threads: 1 },
    }));
    const r = await runPlca(['train', '--config', config, '--out', join(dir, 'run')]);
    expect(errorCode(r.stderr), r.stderr).toBe('PLCA_LABEL_INVALID');
    expect(r.code).toBe(1);
    const line = r.stderr.split('\n').find((l) => l.startsWith('plca: error ['))!;
    expect(line).toContain(`label ${labels[1]} has 256 pixels with ids outside the cityscapes mapping (200)`);
    expect(r.stderr).toMatch(/hint: .*plca data check.*data\.unknownLabels to 'warn' or 'ignore'/);
    expect(r.stderr).not.toMatch(/^\s+at /m);

    // --set data.unknownLabels=warn reaches the loader: training finishes, one warning names the file.
    const w = await runPlca(['train', '--config', config, '--out', join(dir, 'run-warn'), '--set', 'data.unknownLabels=warn']);
    expect(w.code, w.stderr).toBe(0);
    const warnings = w.stderr.split('\n').filter((l) => l.includes(labels[1]));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/warning/);
  }, 180_000);
});
