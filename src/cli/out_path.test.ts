import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutDir, makeOutDir } from './out_path.js';

const dir = mkdtempSync(join(tmpdir(), 'plca-out-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function unwritable(fn: () => unknown, message: string): void {
  expect(fn).toThrow(expect.objectContaining({ code: 'PLCA_FILE_UNWRITABLE', message, hint: expect.stringMatching(/--out/) }));
}

describe('output directories', () => {
  it('lists what is missing without writing, and creates it level by level', () => {
    const deep = join(dir, 'a', 'b', 'c');
    expect(checkOutDir(deep, '--out')).toEqual([join(dir, 'a'), join(dir, 'a', 'b'), deep]);
    expect(existsSync(join(dir, 'a'))).toBe(false);
    expect(makeOutDir(deep, '--out')).toBe(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(checkOutDir(deep, '--out')).toEqual([]);
    expect(makeOutDir(deep, '--out')).toBe(deep);
  });

  it('names a file given as the directory, or a file on the way to it', () => {
    const file = join(dir, 'f');
    writeFileSync(file, '');
    unwritable(() => checkOutDir(file, '--out'), `--out ${file} is a file, not a directory`);
    unwritable(() => makeOutDir(join(file, 'x', 'y'), '--out'), `cannot create --out ${join(file, 'x', 'y')}: ${file} is a file, not a directory`);
  });

  it.skipIf(process.getuid?.() === 0)('names a directory it may not write in', () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    unwritable(() => checkOutDir(join(ro, 'x'), '--out'), `cannot write in ${ro} (to create --out ${join(ro, 'x')}): permission denied`);
    unwritable(() => checkOutDir(ro, '--out'), `cannot write in --out ${ro}: permission denied`);
  });

  it.skipIf(process.platform !== 'linux')('fails on a file system that refuses new directories, instead of spinning', () => {
    expect(() => makeOutDir('/proc/plca-out-path/x', '--out')).toThrow(expect.objectContaining({ code: 'PLCA_FILE_UNWRITABLE' }));
  });
});
