// One voice in messages, through the real CLI: every error line is followed by a hint that names
// real flags and keys; a --set value that is not JSON is an error blamed on that --set (not on the
// config file); a .ts config with a syntax error shows where; too many --threads warn; a run
// without --out says where it goes; `data check` on SYNTHIA flags labels that are all ignore and
// counts only the protocol's 16 classes.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePng } from '../../src/data/image_io.js';
import { idPattern, writeRgbPng, writeSynthiaLabel } from '../data/trees.js';
import { errorCode, REPO, runPlca, type PlcaResult } from './run_plca.js';
import { writeCityscapesTree } from './trees.js';

let dir: string;
const TIMEOUT = 120_000;
const TINY = join(REPO, 'configs', 'tiny_cpu_debug.ts');
/** The tiny run, one update, nothing but the training itself. */
const ONE_UPDATE = ['--backend', 'wasm', '--threads', '1', '--set', 'data.val=null', '--set', 'train.maxIters=1', '--set', 'train.polyHorizon=1'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'plca-messages-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The error line and its hint. */
function errorOf(r: PlcaResult): { code: string | undefined; line: string; hint: string } {
  const lines = r.stderr.split('\n');
  const i = lines.findIndex((l) => l.startsWith('plca: error ['));
  return { code: errorCode(r.stderr), line: lines[i] ?? '', hint: /^ {2}hint: (.*)$/.exec(lines[i + 1] ?? '')?.[1] ?? '' };
}

describe.concurrent('every error has a hint, naming real flags and keys', () => {
  it('an unknown model', async () => {
    const e = errorOf(await runPlca(['model', 'info', 'resnet50']));
    expect(e.line).toContain('unknown model "resnet50"');
    expect(e.hint).toContain('plca model list');
  });

  it('a dataset root that is not there (from the config)', async () => {
    const e = errorOf(await runPlca(['train', '--config', 'configs/gta5_to_cityscapes_plca.ts', '--out', join(dir, 'no-data')]));
    expect(e.code).toBe('PLCA_FILE_NOT_FOUND');
    expect(e.line).toMatch(/root directory not found: data\/(gtav|cityscapes)$/);
    expect(e.hint).toContain('--set data.source.root=DIR');
  }, TIMEOUT);

  it('a file that is not a PyTorch file, for model import', async () => {
    const f = join(dir, 'weights.pth');
    writeFileSync(f, 'not a torch file');
    const e = errorOf(await runPlca(['model', 'import', f, '--model', 'minicity_gn', '--classes', '9', '--out', join(dir, 'imported')]));
    expect(e.code).toBe('PLCA_CHECKPOINT_INVALID');
    expect(e.line).toContain(`torch file ${f}: not a PyTorch file`);
    expect(e.hint).toContain('torch.save');
  }, TIMEOUT);

  it('the size-mismatch hint names a key that --set takes, and it works', async () => {
    const root = join(dir, 'cs-mismatch');
    const { labels } = writeCityscapesTree(root, { split: 'train', count: 2 });
    writePng(labels[1], { width: 16, height: 16, channels: 1, data: new Uint8Array(256).fill(7) });
    const cfg = join(dir, 'cs.json');
    writeFileSync(cfg, JSON.stringify({
      name: 'cs', model: { name: 'minicity_gn', numClasses: 19 }, method: { mode: 'source_only' },
      data: { source: { dataset: 'cityscapes', root, split: 'train' }, target: null, val: null, resizeShort: [16, 16], crop: [16, 32], evalSize: [16, 32], workers: 1 },
      train: { maxIters: 1, polyHorizon: 1, batchSize: 2, checkpointInterval: 1, logInterval: 1 }, runtime: { backend: 'wasm', threads: 1 },
    }));
    const first = await runPlca(['train', '--config', cfg, '--out', join(dir, 'mm1')], { timeoutMs: TIMEOUT });
    const e = errorOf(first);
    expect(e.code).toBe('PLCA_SIZE_MISMATCH');
    expect(e.hint).toContain('--set data.sizeMismatch=resize');
    const again = await runPlca(['train', '--config', cfg, '--out', join(dir, 'mm2'), '--set', 'data.sizeMismatch=resize'], { timeoutMs: TIMEOUT });
    expect(again.code, again.stderr).toBe(0);
  }, TIMEOUT);

  it('the --set usage example is a key --set accepts', async () => {
    const bad = await runPlca(['config', 'print', '--set', 'maxIters']);
    expect(bad.code).toBe(2);
    const example = /e\.g\. (\S+=\S+)\)/.exec(bad.stderr)?.[1];
    expect(example, bad.stderr).toBe('train.maxIters=100');
    const ok = await runPlca(['config', 'print', '--set', example!]);
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe.concurrent('--set values and config files', () => {
  it('a value that is not JSON is an error naming the --set, not a silent string or the config file', async () => {
    const r = await runPlca(['config', 'print', '--config', TINY, '--set', 'data.crop=[64,64']);
    const e = errorOf(r);
    expect(e.code).toBe('PLCA_CONFIG_INVALID');
    expect(e.line).toContain('--set data.crop=[64,64: "[64,64" is not valid JSON');
    expect(e.line).not.toContain(TINY);
    expect(e.hint).toContain('data.crop takes an array');
    // Text keys still take plain text.
    const text = await runPlca(['config', 'print', '--config', TINY, '--set', 'name=my-run', '--set', 'method.mode=source_only']);
    expect(text.code, text.stderr).toBe(0);
  });

  it('a JSON value of the wrong type is blamed on its --set; a bad key in the file on the file', async () => {
    const r = await runPlca(['config', 'print', '--config', TINY, '--set', 'train.maxIters="ten"']);
    const e = errorOf(r);
    expect(e.line).toMatch(/^plca: error \[PLCA_CONFIG_INVALID\]: invalid --set train\.maxIters="ten": "train\.maxIters": /);
    expect(e.line).not.toContain(TINY);
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ optim: { lr: 'fast' } }));
    const both = errorOf(await runPlca(['config', 'print', '--config', file, '--set', 'train.batchSize=0.5']));
    expect(both.line).toContain(`invalid config in ${file}: "optim.lr"`);
    expect(both.line).toContain('invalid --set train.batchSize=0.5: "train.batchSize"');
  });

  it('a .ts config with a syntax error shows the file, line and what is wrong', async () => {
    const f = join(dir, 'broken.ts');
    writeFileSync(f, 'export default {\n  train: { maxIters: 5 ]\n};\n');
    const e = errorOf(await runPlca(['config', 'print', '--config', f]));
    expect(e.code).toBe('PLCA_CONFIG_INVALID');
    expect(e.line).toMatch(new RegExp(`config file ${f} could not be loaded: ${f}:2:\\d+: Expected "\\}" but found "\\]"`));
  });
});

describe.concurrent('warnings and where a run goes', () => {
  it('--threads above the core count warns (and goes on)', async () => {
    const n = availableParallelism() + 1;
    const r = await runPlca(['config', 'print', '--threads', String(n)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`plca: warning: --threads is ${n}, more threads than this machine's ${n - 1} core(s)`);
    const fine = await runPlca(['config', 'print', '--threads', '1']);
    expect(fine.stderr).toBe('');
  });

  it('plca train without --out says where the run goes, even with --json', async () => {
    const cwd = join(dir, 'cwd');
    mkdirSync(cwd);
    const r = await runPlca(['train', '--config', TINY, ...ONE_UPDATE, '--json'], { cwd, timeoutMs: TIMEOUT });
    expect(r.code, r.stderr).toBe(0);
    const [run] = readdirSync(join(cwd, 'runs'));
    expect(run).toMatch(/^tiny_cpu_debug-\d{8}-\d{6}$/);
    expect(r.stderr).toContain(`plca: no --out given; writing this run to ${join(cwd, 'runs', run)}`);
  }, TIMEOUT);
});

describe('plca data check on SYNTHIA', () => {
  it('flags labels that are all ignore and counts only the 16 classes of the protocol', async () => {
    const root = join(dir, 'synthia');
    writeRgbPng(join(root, 'RGB/0000000.png'), 8, 4);
    writeSynthiaLabel(join(root, 'GT/LABELS/0000000.png'), 8, 4, idPattern(8, 4, [3, 4, 2])); // road, sidewalk, building
    writeRgbPng(join(root, 'RGB/0000001.png'), 8, 4);
    writeSynthiaLabel(join(root, 'GT/LABELS/0000001.png'), 8, 4, new Array<number>(32).fill(0)); // void everywhere
    const r = await runPlca(['data', 'check', '--dataset', 'synthia', '--root', root, '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { problems: { file: string; problem: string }[]; histogram: Record<string, number> };
    expect(report.problems).toEqual([{
      file: join(root, 'GT/LABELS/0000001.png'), problem: expect.stringContaining('every pixel is ignore (255) under the synthia mapping'),
    }]);
    expect(Object.keys(report.histogram)).toHaveLength(17);
    for (const absent of ['terrain', 'truck', 'train']) expect(report.histogram).not.toHaveProperty(absent);
    expect(report.histogram.road).toBeGreaterThan(0);
  });
});
