// Bad input through the real CLI, in child processes: each case must end in one clear line
// `plca: error [CODE]: …` that names the file or value, a non-zero exit and no stack trace.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, runPlca, type PlcaResult } from './run_plca.js';

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

describe('config errors', () => {
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
    expectCleanError(r, 'PLCA_CONFIG_INVALID', '"optim.lr"');
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

