// Bad input through the real CLI, in child processes: each case must end in one clear line
// `plca: error [CODE]: …` that names the file or value, a non-zero exit and no stack trace.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePng } from '../../src/data/image_io.js';
import { errorCode, runPlca, type PlcaResult } from './run_plca.js';
import { corruptFile, writeCityscapesTree } from './trees.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'plca-robust-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The common shape of every failure: code, one named line, exit ≠ 0, no stack unless --verbose. */
function expectCleanError(r: PlcaResult, code: string, names: string | RegExp): void {
  expect(errorCode(r.stderr), r.stderr).toBe(code);
  expect(r.code).not.toBe(0);
  const line = r.stderr.split('\n').find((l) => l.startsWith('plca: error ['))!;
  if (typeof names === 'string') expect(line).toContain(names);
  else expect(line).toMatch(names);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe('');
}

describe.concurrent('config errors', () => {
  it('names a missing config file', async () => {
    const path = join(dir, 'nope.json');
    expectCleanError(await runPlca(['config', 'print', '--config', path]), 'PLCA_FILE_NOT_FOUND', path);
  });

  it('names a directory given as the config file', async () => {
    expectCleanError(await runPlca(['config', 'print', '--config', dir]), 'PLCA_FILE_UNREADABLE', dir);
  });

  it.skipIf(process.getuid?.() === 0)('names an unreadable config file', async () => {
    const path = join(dir, 'secret.json');
    writeFileSync(path, '{}');
    chmodSync(path, 0o000);
    expectCleanError(await runPlca(['config', 'print', '--config', path]), 'PLCA_FILE_UNREADABLE', path);
  });

  it('names every wrong type and unknown key', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ train: { maxIters: 'ten' }, model: { nmae: 'x' } }));
    const r = await runPlca(['config', 'print', '--config', path]);
    expectCleanError(r, 'PLCA_CONFIG_INVALID', path);
    expect(r.stderr).toContain('unknown key "model.nmae"');
    expect(r.stderr).toContain('"train.maxIters"');
  });

  it('names a truncated JSON config', async () => {
    const path = join(dir, 'trunc.json');
    writeFileSync(path, '{"train": {');
    expectCleanError(await runPlca(['config', 'print', '--config', path]), 'PLCA_CONFIG_INVALID', path);
  });

  it('names a bad --set override, and --verbose adds the stack', async () => {
    const r = await runPlca(['config', 'print', '--set', 'optim.lr=fast']);
    expectCleanError(r, 'PLCA_CONFIG_INVALID', '--set optim.lr=fast: "fast" is not valid JSON');
    const v = await runPlca(['config', 'print', '--set', 'optim.lr=fast', '--verbose']);
    expect(v.stderr).toMatch(/^\s+at /m);
  });

  it('applies --set and --seed over the defaults', async () => {
    const r = await runPlca(['config', 'print', '--set', 'train.maxIters=5', '--seed', '3']);
    expect(r.code, r.stderr).toBe(0);
    const cfg = JSON.parse(r.stdout) as { train: { maxIters: number; seed: number } };
    expect(cfg.train).toMatchObject({ maxIters: 5, seed: 3 });
  });

  it('exits 2 on a usage error, naming the option', async () => {
    const r = await runPlca(['config', 'print', '--seed', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--seed must be an integer, got "x"');
  });
});


describe.concurrent('dataset problems (plca data check)', () => {
  it('names the missing root', async () => {
    const root = join(dir, 'no-such-dataset');
    expectCleanError(await runPlca(['data', 'check', '--dataset', 'cityscapes', '--root', root]), 'PLCA_FILE_NOT_FOUND', root);
  });

  it('lists each broken file with what is wrong, and exits 1', async () => {
    const root = join(dir, 'cs-broken');
    const { images, labels } = writeCityscapesTree(root, { count: 6, width: 32, height: 16 });
    corruptFile(images[1]); // garbage bytes
    const png = readFileSync(labels[2]);
    writeFileSync(labels[2], png.subarray(0, png.length - 20)); // truncated PNG
    writePng(labels[3], { width: 16, height: 16, channels: 1, data: new Uint8Array(256).fill(7) }); // size mismatch
    writePng(labels[4], { width: 32, height: 16, channels: 1, data: new Uint8Array(512).fill(200) }); // id 200 is no Cityscapes id
    rmSync(labels[5]); // missing label
    const r = await runPlca(['data', 'check', '--dataset', 'cityscapes', '--root', root, '--split', 'val', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { images: number; labels: number; problems: { file: string; problem: string }[] };
    expect(report).toMatchObject({ images: 6, labels: 5 });
    const problemOf = (file: string) => report.problems.filter((p) => p.file === file).map((p) => p.problem).join(' | ');
    expect(problemOf(images[1])).toMatch(/PLCA_IMAGE_CORRUPT/);
    expect(problemOf(labels[2])).toMatch(/PLCA_IMAGE_CORRUPT.*trunc/i);
    expect(problemOf(labels[3])).toMatch(/size mismatch: label is 16x16.* is 32x16/);
    expect(problemOf(labels[4])).toMatch(/unexpected label values: 512 pixels .*\(200\)/);
    expect(problemOf(labels[5])).toMatch(/missing label/);
    expect(report.problems).toHaveLength(5);
  });
});
