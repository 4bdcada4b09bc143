// Reading PyTorch `.pth`/`.pt` files (torch.save) without Python, so users can start from the
// authors' weights: the zip format (PyTorch ≥ 1.6) and the legacy format (a sequence of pickles,
// e.g. the Caffe-converted DeepLab ImageNet init file). The pickle is interpreted, never executed:
// GLOBAL resolves only an allow-list of torch/collections names, anything else is an error.
// The generic pieces are in util: the unpickler (util/pickle.ts) and the stored-zip reader (util/zip.ts);
// this file holds what is torch's: the allow-list, storages, tensor rebuilds and the two layouts.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { PlcaError } from '../util/errors.js';
import { PickleError, PyGlobal, type PyCallable, unpickle as unpickleWith } from '../util/pickle.js';
import { isZip, readZipDirectory, ZipCompressedError, ZipError, zipEntryData } from '../util/zip.js';
import type { TorchTensor } from './torch_weights.js';

export type TorchDtype = 'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/**
 * One tensor read from a torch file, contiguous row-major. Floats become Float32Array (float64 is
 * rounded), int64 a Float64Array (exact up to 2^53), int32/16/8 an Int32Array, uint8/bool a Uint8Array.
 */
export interface TorchFileTensor extends TorchTensor {
  dtype: TorchDtype;
  data: Float32Array | Float64Array | Int32Array | Uint8Array;
}
export type TorchStateDict = Record<string, TorchFileTensor>;

export interface ReadTorchOptions {
  /** Key (dotted for deeper levels, e.g. 'model.state_dict') of the dict of tensors inside the file;
   *  auto-detected when absent (the top level, else 'state_dict', 'weights', 'model', ...). */
  key?: string;
  /** Name used in error messages when a buffer is given. @default '<buffer>' */
  name?: string;
}

/** A Python dict; keys are strings or numbers in the files torch writes. */
export type PyDict = Map<unknown, unknown>;

// ---------------------------------------------------------------------------------------------
// Storages and tensors, as the pickle describes them

const STORAGE_DTYPES: Record<string, [TorchDtype, number]> = {
  DoubleStorage: ['float64', 8], FloatStorage: ['float32', 4], HalfStorage: ['float16', 2], BFloat16Storage: ['bfloat16', 2],
  LongStorage: ['int64', 8], IntStorage: ['int32', 4], ShortStorage: ['int16', 2], CharStorage: ['int8', 1],
  ByteStorage: ['uint8', 1], BoolStorage: ['bool', 1],
};

/** A storage named by a persistent id; its bytes are found after the pickle is read. */
class StorageRef {
  private ownBytes: Uint8Array | undefined;
  constructor(readonly key: string, readonly dtype: TorchDtype, readonly elementSize: number,
    /** the storage this one is a view of (legacy views), and the view's element offset into it */
    readonly root?: StorageRef, readonly viewOffset = 0) {}
  get bytes(): Uint8Array | undefined { return this.root ? this.root.bytes : this.ownBytes; }
  set bytes(b: Uint8Array | undefined) { this.ownBytes = b; }
}

class TensorRef {
  constructor(readonly storage: StorageRef, readonly offset: number, readonly shape: number[], readonly stride: number[]) {}
}

const asInts = (v: unknown, what: string): number[] => {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) throw new Error(`${what} is not a tuple of ints`);
  return v as number[];
};
const contiguousStrides = (shape: number[]): number[] => {
  const s = new Array<number>(shape.length);
  for (let i = shape.length - 1, acc = 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
};
function rebuildTensor(args: unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new Error('_rebuild_tensor: the first argument is not a storage');
  if (typeof offset !== 'number') throw new Error('_rebuild_tensor: the storage offset is not an int');
  const shape = asInts(size, 'tensor size');
  return new TensorRef(storage, offset, shape, stride === undefined ? contiguousStrides(shape) : asInts(stride, 'tensor stride'));
}

/** What each allowed global does when called; the rest of the allow-list are inert markers. */
const CALLABLES: Record<string, PyCallable> = {
  'collections.OrderedDict': (args) => new Map(Array.isArray(args[0]) ? (args[0] as [unknown, unknown][]) : []),
  'torch._utils._rebuild_tensor': rebuildTensor,
  'torch._utils._rebuild_tensor_v2': rebuildTensor,
  'torch._utils._rebuild_parameter': (args) => args[0],
  'torch._utils._rebuild_parameter_with_state': (args) => args[0],
  // Tensor subclasses (torch ≥ 1.12): (func, type, args, state); the type is an allowed marker.
  'torch._tensor._rebuild_from_type_v2': (args) => {
    const [fn, , fnArgs] = args;
    if (!(fn instanceof PyGlobal) || fn.impl === undefined || !Array.isArray(fnArgs)) throw new Error('_rebuild_from_type_v2 with an unsupported function');
    return fn.impl(fnArgs);
  },
};
const MARKERS = new Set(['torch.nn.parameter.Parameter', 'torch.Tensor', ...Object.keys(STORAGE_DTYPES).map((s) => `torch.${s}`)]);

// ---------------------------------------------------------------------------------------------
// The unpickler, restricted to the allow-list

/** Only allow-listed names resolve; the callable ones carry their implementation from CALLABLES. */
function resolveGlobal(module: string, name: string): PyGlobal {
  // Python 2 pickles name the same things under other modules.
  const mod = module === '__builtin__' ? 'builtins' : module;
  const qualified = `${mod}.${name}`;
  if (CALLABLES[qualified] === undefined && !MARKERS.has(qualified)) {
    throw new PickleError(`refuses to load the global ${module}.${name} (only torch tensors, storages and OrderedDict are allowed; nothing in the file is executed)`);
  }
  return new PyGlobal(mod, name, CALLABLES[qualified]);
}

/** OrderedDict's `_metadata` and Parameter state carry nothing a reader needs, so BUILD drops them. */
const build = (obj: unknown): boolean => obj instanceof Map || obj instanceof TensorRef;

/**
 * Interprets one pickle starting at `pos` with the torch allow-list. `persistentLoad` turns a
 * persistent id into a storage.
 * @returns the object and the offset after STOP
 */
export function unpickle(buf: Uint8Array, pos: number, persistentLoad: (pid: unknown) => unknown): { value: unknown; end: number } {
  return unpickleWith(buf, pos, { resolveGlobal, persistentLoad, build });
}

// ---------------------------------------------------------------------------------------------
// The two container formats

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** 'zip', 'legacy', or null when the bytes are neither (checks the first bytes only). */
export function torchFormat(buf: Uint8Array): 'zip' | 'legacy' | null {
  if (isZip(buf)) return 'zip';
  // The legacy magic is the first pickle: PROTO n, LONG1 10 bytes of 0x1950a86a20f9469cfc6c.
  if (buf.length >= 15 && buf[0] === 0x80 && buf[2] === 0x8a && buf[3] === 0x0a) {
    let v = 0n;
    for (let i = 13; i >= 4; i--) v = (v << 8n) | BigInt(buf[i]);
    if (v === LEGACY_MAGIC) return 'legacy';
  }
  return null;
}

/** The format `path` starts with (its first 16 bytes only); null when neither or unreadable. */
export function torchFileFormat(path: string): 'zip' | 'legacy' | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(16);
    return torchFormat(head.subarray(0, readSync(fd, head, 0, 16, 0)));
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Whether `path` starts like a torch file (zip or legacy magic); false when it cannot be read. */
export function isTorchFile(path: string): boolean {
  return torchFileFormat(path) !== null;
}

/** Persistent ids: ('storage', StorageType, key, location, numel[, view_metadata]). */
function storageLoader(storages: Map<string, StorageRef>) {
  return (pid: unknown): StorageRef => {
    if (!Array.isArray(pid) || pid[0] !== 'storage') throw new PickleError(`unsupported persistent id ${JSON.stringify(String(pid))}`);
    const [, type, rawKey, , , view] = pid as [string, unknown, unknown, unknown, unknown, unknown];
    const dtype = type instanceof PyGlobal ? STORAGE_DTYPES[type.name] : undefined;
    if (dtype === undefined) throw new PickleError(`unsupported storage type ${type instanceof PyGlobal ? type.qualified : String(type)}`);
    const key = String(rawKey);
    let root = storages.get(key);
    if (root === undefined) storages.set(key, (root = new StorageRef(key, dtype[0], dtype[1])));
    // Old legacy files share storages through views: (view_key, offset, size) into the root.
    if (Array.isArray(view)) return new StorageRef(key, root.dtype, root.elementSize, root, Number(view[1]));
    return root;
  };
}

function readZip(buf: Uint8Array, fail: (m: string) => never): { obj: unknown; storages: Map<string, StorageRef>; bigEndian: boolean } {
  const entries = readZipDirectory(buf);
  const pkl = [...entries.keys()].find((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (pkl === undefined) fail('a zip archive without data.pkl: not a torch file');
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const order = entries.get(`${prefix}byteorder`);
  const bigEndian = order !== undefined && Buffer.from(zipEntryData(buf, order)).toString('latin1') === 'big';
  const storages = new Map<string, StorageRef>();
  const { value } = unpickle(zipEntryData(buf, entries.get(pkl)!), 0, storageLoader(storages));
  for (const s of storages.values()) {
    const e = entries.get(`${prefix}data/${s.key}`);
    if (e === undefined) fail(`storage ${s.key} is missing (no entry ${prefix}data/${s.key})`);
    s.bytes = zipEntryData(buf, e);
  }
  return { obj: value, storages, bigEndian };
}

function readLegacy(buf: Uint8Array, fail: (m: string) => never): { obj: unknown; storages: Map<string, StorageRef>; bigEndian: boolean } {
  const noPersistent = () => { throw new PickleError('a persistent id outside the object pickle'); };
  let r = unpickle(buf, 0, noPersistent); // magic number
  r = unpickle(buf, r.end, noPersistent); // protocol version
  if (r.value !== 1001) fail(`legacy protocol version ${String(r.value)}; this reader knows 1001`);
  r = unpickle(buf, r.end, noPersistent); // sys info
  const info = r.value instanceof Map ? r.value : new Map();
  const bigEndian = info.get('little_endian') === false;
  const storages = new Map<string, StorageRef>();
  const objR = unpickle(buf, r.end, storageLoader(storages));
  const keysR = unpickle(buf, objR.end, noPersistent);
  if (!Array.isArray(keysR.value)) fail('the storage key list is not a list');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = keysR.end;
  // Each storage: int64 element count, then the elements, in the order of the key list.
  for (const k of keysR.value as unknown[]) {
    const s = storages.get(String(k));
    if (p + 8 > buf.length) fail(`truncated: storage ${String(k)} has no size field at offset ${p}`);
    const numel = Number(bigEndian ? dv.getBigInt64(p, false) : dv.getBigInt64(p, true));
    const n = numel * (s?.elementSize ?? 1);
    if (s === undefined) fail(`the storage key list names ${String(k)}, which no tensor uses`);
    if (p + 8 + n > buf.length) fail(`truncated: storage ${s.key} needs ${n} bytes at offset ${p + 8}, the file has ${buf.length - p - 8}`);
    s.bytes = buf.subarray(p + 8, p + 8 + n);
    p += 8 + n;
  }
  return { obj: objR.value, storages, bigEndian };
}

// ---------------------------------------------------------------------------------------------
// Tensors from storages

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? Number.NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** The storage's elements as numbers in the output representation of its dtype. */
function decodeStorage(s: StorageRef, bigEndian: boolean): TorchFileTensor['data'] {
  const b = s.bytes!;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = Math.floor(b.length / s.elementSize);
  const le = !bigEndian;
  switch (s.dtype) {
    case 'float32': {
      if (le && b.byteOffset % 4 === 0) return new Float32Array(b.buffer, b.byteOffset, n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, le);
      return out;
    }
    case 'float64': { const out = new Float32Array(n); for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, le); return out; }
    case 'float16': { const out = new Float32Array(n); for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, le)); return out; }
    case 'bfloat16': {
      const out = new Float32Array(n);
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u[i] = dv.getUint16(2 * i, le) << 16;
      return out;
    }
    case 'int64': { const out = new Float64Array(n); for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(8 * i, le)); return out; }
    case 'int32': { const out = new Int32Array(n); for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, le); return out; }
    case 'int16': { const out = new Int32Array(n); for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, le); return out; }
    case 'int8': { const out = new Int32Array(n); for (let i = 0; i < n; i++) out[i] = dv.getInt8(i); return out; }
    case 'uint8': case 'bool': return new Uint8Array(b.buffer, b.byteOffset, n);
  }
}

/** A contiguous copy of the view (offset, shape, strides) into the storage's elements. */
function materialise(t: TensorRef, elements: TorchFileTensor['data'], fail: (m: string) => never, name: string): TorchFileTensor {
  const { shape, stride } = t;
  const offset = t.offset + t.storage.viewOffset;
  const n = shape.reduce((a, b) => a * b, 1);
  const ctor = elements.constructor as new (n: number) => TorchFileTensor['data'];
  const out = new ctor(n);
  if (n > 0) {
    let last = offset;
    for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
    if (offset < 0 || last >= elements.length || shape.length !== stride.length) {
      fail(`tensor ${name} (shape [${shape.join(', ')}], stride [${stride.join(', ')}], offset ${offset}) reaches past its storage of ${elements.length} elements`);
    }
    if (shape.every((d, i) => d === 1 || stride[i] === contiguousStrides(shape)[i])) {
      out.set(elements.subarray(offset, offset + n) as never); // the common case: one block copy
      return { shape: [...shape], dtype: t.storage.dtype, data: out };
    }
    const idx = new Array<number>(shape.length).fill(0);
    let src = offset;
    for (let i = 0; i < n; i++) {
      out[i] = elements[src];
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) { src += stride[d]; break; }
        src -= (shape[d] - 1) * stride[d];
        idx[d] = 0;
      }
    }
  }
  return { shape: [...shape], dtype: t.storage.dtype, data: out };
}

/** Replaces every TensorRef in the object tree by a TorchFileTensor (views of one storage stay distinct copies). */
function resolveTensors(obj: unknown, bigEndian: boolean, fail: (m: string) => never): unknown {
  const decoded = new Map<Uint8Array, TorchFileTensor['data']>();
  const done = new Map<unknown, unknown>();
  const walk = (v: unknown, path: string): unknown => {
    if (done.has(v)) return done.get(v);
    if (v instanceof TensorRef) {
      if (v.storage.bytes === undefined) fail(`tensor ${path}: storage ${v.storage.key} has no data`);
      let el = decoded.get(v.storage.bytes);
      if (el === undefined) decoded.set(v.storage.bytes, (el = decodeStorage(v.storage.root ?? v.storage, bigEndian)));
      const t = materialise(v, el, fail, path);
      done.set(v, t);
      return t;
    }
    if (v instanceof Map) {
      const m = new Map<unknown, unknown>();
      done.set(v, m);
      for (const [k, x] of v) m.set(k, walk(x, path ? `${path}.${String(k)}` : String(k)));
      return m;
    }
    if (Array.isArray(v)) {
      const a: unknown[] = [];
      done.set(v, a);
      v.forEach((x, i) => a.push(walk(x, `${path}[${i}]`)));
      return a;
    }
    return v;
  };
  return walk(obj, '');
}

const isTensor = (v: unknown): v is TorchFileTensor =>
  typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && 'data' in v && ArrayBuffer.isView((v as TorchFileTensor).data);

const TORCH_FILE_HINT = 'plca reads files written by torch.save (zip or legacy format, uncompressed): check that it downloaded whole, or save it again with torch.save(model.state_dict(), FILE)';

/**
 * Reads a torch file into plain values: dicts become Maps (insertion order kept), lists and tuples
 * arrays, tensors TorchFileTensors. Nothing in the file is executed.
 */
export function readTorchObject(src: string | Uint8Array, opts: { name?: string } = {}): unknown {
  const name = typeof src === 'string' ? src : opts.name ?? '<buffer>';
  const fail = (m: string): never => { throw new PlcaError('PLCA_CHECKPOINT_INVALID', `torch file ${name}: ${m}`, { hint: TORCH_FILE_HINT }); };
  let buf: Uint8Array;
  if (typeof src === 'string') {
    try {
      buf = readFileSync(src);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new PlcaError(code === 'ENOENT' ? 'PLCA_FILE_NOT_FOUND' : 'PLCA_FILE_UNREADABLE', `torch file ${name}: ${code === 'ENOENT' ? 'not found' : (e as Error).message}`, {
        cause: e, hint: 'check the path (relative paths are resolved against the working directory) and that the file is readable',
      });
    }
  } else {
    buf = src;
  }
  const format = torchFormat(buf);
  if (format === null) {
    fail(buf.length === 0 ? 'the file is empty' : 'not a PyTorch file (neither a zip archive nor the legacy torch.save magic number)');
  }
  try {
    const r = format === 'zip' ? readZip(buf, fail) : readLegacy(buf, fail);
    return resolveTensors(r.obj, r.bigEndian, fail);
  } catch (e) {
    if (e instanceof ZipCompressedError) fail(`${e.message}; torch.save stores entries uncompressed, so the archive was repacked`);
    if (e instanceof PickleError || e instanceof ZipError) fail(e.message);
    if (e instanceof RangeError) fail(`truncated or corrupt (${e.message})`);
    throw e;
  }
}

/** A dict with string keys whose values are all tensors (at least one). */
function tensorDict(v: unknown): TorchStateDict | undefined {
  if (!(v instanceof Map) || v.size === 0) return undefined;
  const out: TorchStateDict = {};
  for (const [k, x] of v) {
    if (typeof k !== 'string' || !isTensor(x)) return undefined;
    out[k] = x;
  }
  return out;
}

/** Keys under which checkpoints commonly keep the state dict, in the order they are tried. */
export const STATE_DICT_KEYS = ['state_dict', 'weights', 'model', 'model_state_dict', 'net', 'network', 'module'];

/**
 * Picks the dict of tensors out of a file's object: `key` (dotted for nesting) when given, else the
 * object itself, else the first of STATE_DICT_KEYS that holds one, else the only tensor dict one level down.
 */
export function pickStateDict(obj: unknown, opts: { key?: string; name?: string } = {}): TorchStateDict {
  const name = opts.name ?? '<buffer>';
  const fail = (m: string): never => {
    throw new PlcaError('PLCA_CHECKPOINT_INVALID', `torch file ${name}: ${m}`, { hint: 'name the dict of tensors inside the file with its key (plca model import --key KEY; dotted for nesting)' });
  };
  const keysOf = (v: unknown) => (v instanceof Map ? `[${[...v.keys()].map(String).join(', ')}]` : `none (a ${Array.isArray(v) ? 'list' : typeof v})`);
  if (opts.key !== undefined) {
    let v = obj;
    for (const part of opts.key.split('.')) {
      if (!(v instanceof Map) || !v.has(part)) fail(`no key "${opts.key}" (keys at that level: ${keysOf(v)})`);
      v = (v as PyDict).get(part);
    }
    if (!(v instanceof Map)) fail(`"${opts.key}" is not a dict`);
    const out: TorchStateDict = {};
    for (const [k, x] of v as PyDict) if (typeof k === 'string' && isTensor(x)) out[k] = x;
    if (Object.keys(out).length === 0) fail(`"${opts.key}" holds no tensors`);
    return out;
  }
  const direct = tensorDict(obj);
  if (direct) return direct;
  if (obj instanceof Map) {
    for (const k of STATE_DICT_KEYS) {
      const d = tensorDict(obj.get(k));
      if (d) return d;
    }
    const found = [...obj.entries()].map(([k, v]) => [k, tensorDict(v)] as const).filter(([, d]) => d !== undefined);
    if (found.length === 1) return found[0][1]!;
    if (found.length > 1) fail(`several dicts of tensors (${found.map(([k]) => String(k)).join(', ')}); choose one with the key option`);
  }
  return fail(`no dict of tensors found (top-level keys: ${keysOf(obj)})`);
}

/** Reads a torch file's state dict (see pickStateDict for which dict of tensors is returned). */
export function readTorchFile(src: string | Uint8Array, opts: ReadTorchOptions = {}): TorchStateDict {
  const name = typeof src === 'string' ? src : opts.name ?? '<buffer>';
  return pickStateDict(readTorchObject(src, { name }), { key: opts.key, name });
}
