import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleTemps, writeFileAtomic, type AtomicWritePoint } from './atomic_write.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'plca-atomic-'));

describe('writeFileAtomic', () => {
  it('replaces a file with a string, bytes or chunks, leaving nothing else behind', () => {
    const dir = tmp();
    const f = join(dir, 'a.json');
    writeFileAtomic(f, 'old');
    writeFileAtomic(f, '{"x":1}\n');
    expect(readFileSync(f, 'utf8')).toBe('{"x":1}\n');
    writeFileAtomic(f, Buffer.from('bytes'));
    expect(readFileSync(f, 'utf8')).toBe('bytes');
    writeFileAtomic(f, [Buffer.from('ab'), new Uint8Array([99]), Buffer.from('')]);
    expect(readFileSync(f, 'utf8')).toBe('abc');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('calls the hook half-way and before the rename, with the temp file (the target untouched until then)', () => {
    const dir = tmp();
    const f = join(dir, 'b.bin');
    writeFileAtomic(f, 'before');
    const seen: Array<[AtomicWritePoint, string, string]> = [];
    writeFileAtomic(f, [Buffer.from('1234'), Buffer.from('5678')], (point, temp) => {
      seen.push([point, readFileSync(temp, 'utf8'), readFileSync(f, 'utf8')]);
    });
    expect(seen).toEqual([['partial', '1234', 'before'], ['before-rename', '12345678', 'before']]);
    expect(readFileSync(f, 'utf8')).toBe('12345678');
  });

  it('a failed rename leaves no temp file behind', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'taken', 'inside'), { recursive: true });
    expect(() => writeFileAtomic(join(dir, 'taken'), 'x')).toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});

describe('removeStaleTemps', () => {
  it('removes the temps of dead writers whose target is accepted, and only those', () => {
    const dir = tmp();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const planted = [`.a.json.tmp-${dead}-1`, `.b.ckpt.tmp-${dead}-2`, `.c.json.tmp-${process.pid}-3`, 'd.json', `.e.json.tmp-x-1`];
    for (const n of planted) writeFileSync(join(dir, n), 'torn');
    expect(removeStaleTemps(dir, (name) => name.endsWith('.json'))).toEqual([`.a.json.tmp-${dead}-1`]);
    expect(removeStaleTemps(dir)).toEqual([`.b.ckpt.tmp-${dead}-2`]);
    expect(readdirSync(dir).sort()).toEqual(planted.slice(2).sort());
    expect(removeStaleTemps(join(dir, 'missing'))).toEqual([]);
  });
});
