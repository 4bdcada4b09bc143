// Files written by PyTorch 1.13 (scripts/make_torch_fixtures.py, committed in test/data/torch/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlcaError } from '../util/errors.js';
import { isTorchFile, pickStateDict, readTorchFile, readTorchObject, torchFormat } from './torch_pth.js';

const DIR = join(import.meta.dirname, '..', '..', 'test', 'data', 'torch');
const file = (name: string) => join(DIR, name);

interface Dumped { shape: number[]; dtype: string; data: Array<number | string> }
const basic = JSON.parse(readFileSync(file('basic.json'), 'utf8')) as Record<string, Dumped>;
const num = (v: number | string) => (typeof v === 'string' ? Number(v.replace('inf', 'Infinity')) : v);

/** The error a call throws, as "CODE: message". */
function error(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return isPlcaError(e) ? `${e.code}: ${e.message}` : `not a PlcaError: ${String(e)}`;
  }
  return 'no error';
}

describe('readTorchFile on both serialisations', () => {
  for (const name of ['basic_zip.pth', 'basic_legacy.pth']) {
    it(`${name}: every tensor equals PyTorch's values elementwise`, () => {
      expect(torchFormat(readFileSync(file(name)))).toBe(name.includes('zip') ? 'zip' : 'legacy');
      expect(isTorchFile(file(name))).toBe(true);
      const sd = readTorchFile(file(name));
      expect(Object.keys(sd)).toEqual(Object.keys(basic)); // insertion order kept
      for (const [k, ref] of Object.entries(basic)) {
        const t = sd[k];
        expect(t.shape, k).toEqual(ref.shape);
        expect(t.dtype, k).toBe(ref.dtype);
        const want = ref.data.map(num);
        // float64 is rounded to float32; every other dtype is exact.
        const got = Array.from(t.data);
        expect(got, k).toEqual(ref.dtype === 'float64' ? want.map((v) => Math.fround(v)) : want);
      }
    });
  }

  it('gives float tensors as Float32Array, int64 as Float64Array, int32 as Int32Array, uint8/bool as Uint8Array', () => {
    const sd = readTorchFile(file('basic_zip.pth'));
    expect(sd['f64'].data).toBeInstanceOf(Float32Array);
    expect(sd['f16'].data).toBeInstanceOf(Float32Array);
    expect(sd['bn.num_batches_tracked']).toEqual({ shape: [], dtype: 'int64', data: new Float64Array([7]) });
    expect(sd['i32'].data).toBeInstanceOf(Int32Array);
    expect(sd['flag'].data).toEqual(new Uint8Array([1, 0, 1]));
    // Views of one storage are independent contiguous copies.
    sd['shared.whole'].data[4] = 99;
    expect(sd['shared.slice'].data[1]).toBe(0);
  });

  it('finds the state dict nested under weights / state_dict, or where `key` says', () => {
    const w = readTorchFile(file('nested_weights_zip.pth'));
    expect(Object.keys(w)).toEqual(['conv.weight', 'bn.weight', 'bn.running_mean', 'bn.num_batches_tracked']);
    expect(Array.from(w['conv.weight'].data)).toEqual(basic['conv.weight'].data.map((v) => Math.fround(num(v))));
    expect(Object.keys(readTorchFile(file('nested_state_dict_legacy.pth')))).toHaveLength(4);
    expect(Object.keys(readTorchFile(file('nested_weights_zip.pth'), { key: 'weights' }))).toHaveLength(4);
    const obj = readTorchObject(file('nested_weights_zip.pth')) as Map<string, unknown>;
    expect(obj.get('epoch')).toBe(3);
    expect(obj.get('exp_name')).toBe('gta5_to_cityscapes');
    expect(obj.get('lr')).toBe(2.5e-4);
    expect(error(() => readTorchFile(file('nested_weights_zip.pth'), { key: 'model' })))
      .toMatch(/PLCA_CHECKPOINT_INVALID: torch file .*nested_weights_zip.pth: no key "model" \(keys at that level: \[weights, epoch, exp_name, lr\]\)/);
    expect(error(() => pickStateDict(new Map([['epoch', 3]]), { name: 'x.pth' })))
      .toBe('PLCA_CHECKPOINT_INVALID: torch file x.pth: no dict of tensors found (top-level keys: [epoch])');
  });

  it('reads a Caffe-style ImageNet file (legacy, float16, Scale. keys) value for value', () => {
    const ref = JSON.parse(readFileSync(file('resnet_tiny_caffe.json'), 'utf8')) as
      Record<string, { shape: number[]; sum: number; sumSq: number; samples: [number, number][] }>;
    const sd = readTorchFile(file('resnet_tiny_caffe_legacy.pth'));
    expect(Object.keys(sd)).toEqual(Object.keys(ref));
    for (const [k, r] of Object.entries(ref)) {
      const t = sd[k];
      expect(t.shape, k).toEqual(r.shape);
      for (const [i, v] of r.samples) expect(t.data[i], `${k}[${i}]`).toBe(v); // float16 values are exact in float32
      let s = 0;
      let s2 = 0;
      for (const v of t.data) { s += v; s2 += v * v; }
      expect(s, k).toBeCloseTo(r.sum, 6);
      expect(s2, k).toBeCloseTo(r.sumSq, 6);
    }
  });
});

describe('readTorchFile errors', () => {
  const buf = readFileSync(file('basic_legacy.pth'));
  const zip = readFileSync(file('basic_zip.pth'));

  it('names the file for a missing file, an empty one, random bytes', () => {
    expect(error(() => readTorchFile(file('nope.pth')))).toMatch(/^PLCA_FILE_NOT_FOUND: torch file .*nope.pth: not found/);
    expect(error(() => readTorchFile(new Uint8Array(0), { name: 'empty.pth' }))).toBe('PLCA_CHECKPOINT_INVALID: torch file empty.pth: the file is empty');
    const random = Uint8Array.from({ length: 256 }, (_, i) => (i * 7919 + 13) % 251);
    expect(error(() => readTorchFile(random, { name: 'r.bin' }))).toMatch(/torch file r.bin: not a PyTorch file/);
    expect(isTorchFile(file('basic.json'))).toBe(false);
  });

  it('says where a truncated file ends', () => {
    expect(error(() => readTorchFile(buf.subarray(0, buf.length - 10), { name: 't.pth' })))
      .toMatch(/PLCA_CHECKPOINT_INVALID: torch file t.pth: truncated: storage \d+ (needs \d+ bytes|has no size field)/);
    expect(error(() => readTorchFile(buf.subarray(0, 200), { name: 't.pth' }))).toMatch(/torch file t.pth: truncated: .* at offset \d+/);
    expect(error(() => readTorchFile(zip.subarray(0, zip.length - 30), { name: 'z.pth' }))).toMatch(/torch file z.pth: .*(truncated|central directory)/);
  });

  it('refuses a global outside the allow-list without running it', () => {
    for (const name of ['evil_zip.pth', 'evil_legacy.pth']) {
      expect(error(() => readTorchFile(file(name)))).toMatch(/PLCA_CHECKPOINT_INVALID: torch file .*evil_\w+\.pth: refuses to load the global posix\.system/);
    }
  });

  it('rejects a compressed zip entry and an unknown opcode', () => {
    expect(error(() => readTorchFile(file('compressed_zip.pth')))).toMatch(/zip entry basic_zip\/data.pkl is compressed \(method 8\)/);
    // The object pickle of the legacy file starts after three small pickles; corrupt its first opcode after PROTO.
    const bad = Uint8Array.from(buf);
    const obj = bad.indexOf(0x80, bad.indexOf(0x2e, bad.indexOf(0x2e, bad.indexOf(0x2e) + 1) + 1));
    bad[obj + 2] = 0xff;
    expect(error(() => readTorchFile(bad, { name: 'op.pth' }))).toBe(`PLCA_CHECKPOINT_INVALID: torch file op.pth: unsupported pickle opcode 0xff ('ÿ') at offset ${obj + 2}`);
  });
});
