import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isZip, readZipDirectory, ZipCompressedError, ZipError, zipEntryData } from './zip.js';

const TORCH = join(import.meta.dirname, '..', '..', 'test', 'data', 'torch');

/** A minimal archive: each entry's local header and bytes, then the central directory and its end record (CRCs left 0: the reader does not check them). */
function makeZip(entries: { name: string; data: Uint8Array; method?: number }[]): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(e.method ?? 0, 8);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(e.method ?? 0, 10);
    cd.writeUInt32LE(e.data.length, 20);
    cd.writeUInt32LE(e.data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, Buffer.from(e.data));
    central.push(cd, name);
    offset += 30 + name.length + e.data.length;
  }
  const cdSize = central.reduce((a, b) => a + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  return Uint8Array.from(Buffer.concat([...parts, ...central, end]));
}

const message = (f: () => unknown): string => {
  try { f(); } catch (e) { return `${(e as Error).constructor.name}: ${(e as Error).message}`; }
  return 'no error';
};

describe('stored zip archives', () => {
  it('lists the entries and returns their bytes as views', () => {
    const zip = makeZip([{ name: 'a/one.txt', data: Buffer.from('hello') }, { name: 'two.bin', data: Uint8Array.of(0, 255, 7) }]);
    expect(isZip(zip)).toBe(true);
    const dir = readZipDirectory(zip);
    expect([...dir.keys()]).toEqual(['a/one.txt', 'two.bin']);
    expect(dir.get('two.bin')).toEqual({ name: 'two.bin', method: 0, compressedSize: 3, size: 3, localOffset: 44 });
    expect(Buffer.from(zipEntryData(zip, dir.get('a/one.txt')!)).toString()).toBe('hello');
    const two = zipEntryData(zip, dir.get('two.bin')!);
    expect(Array.from(two)).toEqual([0, 255, 7]);
    expect(two.buffer).toBe(zip.buffer); // no copy
  });

  it('rejects a compressed entry and a truncated archive', () => {
    const zip = makeZip([{ name: 'packed', data: Uint8Array.of(3, 0), method: 8 }]);
    const e = readZipDirectory(zip).get('packed')!;
    expect(message(() => zipEntryData(zip, e))).toBe('ZipCompressedError: zip entry packed is compressed (method 8)');
    expect(() => zipEntryData(zip, e)).toThrow(ZipError);
    expect(message(() => readZipDirectory(zip.subarray(0, zip.length - 5))))
      .toBe('ZipError: zip end-of-central-directory record not found (truncated file?)');
    expect(isZip(Uint8Array.of(0x50, 0x4b))).toBe(false);
  });

  it('reads the archives torch.save writes, and names the compressed entry of a repacked one', () => {
    const buf = readFileSync(join(TORCH, 'basic_zip.pth'));
    const dir = readZipDirectory(buf);
    expect(dir.has('basic_zip/data.pkl')).toBe(true);
    expect(Buffer.from(zipEntryData(buf, dir.get('basic_zip/version')!)).toString('latin1')).toBe('3\n');
    const repacked = readFileSync(join(TORCH, 'compressed_zip.pth'));
    const pkl = readZipDirectory(repacked).get('basic_zip/data.pkl')!;
    expect(() => zipEntryData(repacked, pkl)).toThrow(ZipCompressedError);
  });
});
