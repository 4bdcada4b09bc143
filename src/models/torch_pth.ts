// Reading PyTorch `.pth`/`.pt` files (torch.save) without Python, so users can start from the
// authors' weights: the zip format (PyTorch ≥ 1.6) and the legacy format (a sequence of pickles,
// e.g. the Caffe-converted DeepLab ImageNet init file). The pickle is interpreted, never executed:
// GLOBAL resolves only an allow-list of torch/collections names, anything else is an error.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { PlcaError } from '../util/errors.js';
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

class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string { return `${this.module}.${this.name}`; }
}

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

type Callable = (args: unknown[]) => unknown;

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
const CALLABLES: Record<string, Callable> = {
  'collections.OrderedDict': (args) => new Map(Array.isArray(args[0]) ? (args[0] as [unknown, unknown][]) : []),
  'torch._utils._rebuild_tensor': rebuildTensor,
  'torch._utils._rebuild_tensor_v2': rebuildTensor,
  'torch._utils._rebuild_parameter': (args) => args[0],
  'torch._utils._rebuild_parameter_with_state': (args) => args[0],
  // Tensor subclasses (torch ≥ 1.12): (func, type, args, state); the type is an allowed marker.
  'torch._tensor._rebuild_from_type_v2': (args) => {
    const [fn, , fnArgs] = args;
    if (!(fn instanceof PyGlobal) || CALLABLES[fn.qualified] === undefined || !Array.isArray(fnArgs)) throw new Error('_rebuild_from_type_v2 with an unsupported function');
    return CALLABLES[fn.qualified](fnArgs);
  },
};
const MARKERS = new Set(['torch.nn.parameter.Parameter', 'torch.Tensor', ...Object.keys(STORAGE_DTYPES).map((s) => `torch.${s}`)]);

// ---------------------------------------------------------------------------------------------
// The unpickler

const MARK = Symbol('mark');

class PickleError extends Error {}

/**
 * Interprets one pickle starting at `pos`. `persistentLoad` turns a persistent id into a storage.
 * @returns the object and the offset after STOP
 */
export function unpickle(buf: Uint8Array, pos: number, persistentLoad: (pid: unknown) => unknown): { value: unknown; end: number } {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  const text = new TextDecoder('utf-8');
  let p = pos;
  const need = (n: number) => {
    if (p + n > buf.length) throw new PickleError(`truncated: needs ${n} byte(s) at offset ${p}, the data ends at ${buf.length}`);
  };
  const u8 = () => { need(1); return buf[p++]; };
  const u16 = () => { need(2); const v = dv.getUint16(p, true); p += 2; return v; };
  const u32 = () => { need(4); const v = dv.getUint32(p, true); p += 4; return v; };
  const i32 = () => { need(4); const v = dv.getInt32(p, true); p += 4; return v; };
  const u64 = () => { need(8); const v = Number(dv.getBigUint64(p, true)); p += 8; return v; };
  const bytes = (n: number) => { need(n); const b = buf.subarray(p, p + n); p += n; return b; };
  const line = () => {
    const end = buf.indexOf(0x0a, p);
    if (end < 0) throw new PickleError(`truncated: unterminated line at offset ${p}`);
    const s = Buffer.from(buf.subarray(p, end)).toString('latin1');
    p = end + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0) throw new PickleError(`stack underflow at offset ${p - 1}`);
    return stack.pop();
  };
  const popMark = (): unknown[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) throw new PickleError(`no MARK on the stack at offset ${p - 1}`);
    const items = stack.slice(i + 1);
    stack.length = i;
    return items;
  };
  const top = () => {
    if (stack.length === 0) throw new PickleError(`stack underflow at offset ${p - 1}`);
    return stack[stack.length - 1];
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const resolveGlobal = (module: string, name: string): PyGlobal => {
    // Python 2 pickles name the same things under other modules.
    const mod = module === '__builtin__' ? 'builtins' : module;
    const g = new PyGlobal(mod, name);
    if (CALLABLES[g.qualified] === undefined && !MARKERS.has(g.qualified)) {
      throw new PickleError(`refuses to load the global ${module}.${name} (only torch tensors, storages and OrderedDict are allowed; nothing in the file is executed)`);
    }
    return g;
  };
  const call = (fn: unknown, args: unknown): unknown => {
    if (!(fn instanceof PyGlobal) || CALLABLES[fn.qualified] === undefined) throw new PickleError(`cannot call ${fn instanceof PyGlobal ? fn.qualified : typeof fn} at offset ${p - 1}`);
    if (!Array.isArray(args)) throw new PickleError(`call of ${fn.qualified} without an argument tuple at offset ${p - 1}`);
    try {
      return CALLABLES[fn.qualified](args);
    } catch (e) {
      throw new PickleError(`${fn.qualified} at offset ${p - 1}: ${(e as Error).message}`);
    }
  };
  const setItems = (d: unknown, kv: unknown[]) => {
    if (!(d instanceof Map)) throw new PickleError(`SETITEM(S) on a non-dict at offset ${p - 1}`);
    for (let i = 0; i + 1 < kv.length; i += 2) d.set(kv[i], kv[i + 1]);
  };
  const append = (l: unknown, items: unknown[]) => {
    if (!Array.isArray(l)) throw new PickleError(`APPEND(S) on a non-list at offset ${p - 1}`);
    l.push(...items);
  };

  for (;;) {
    const at = p;
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME: the frame length only helps buffered readers
      case 0x2e: return { value: pop(), end: p }; // STOP
      case 0x28: stack.push(MARK); break; // MARK
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE (tuples are arrays here)
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x64: { const kv = popMark(); const d = new Map(); setItems(d, kv); stack.push(d); break; } // DICT
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push([a, b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push([a, b, c]); break; } // TUPLE3
      case 0x91: stack.push(new Set(popMark())); break; // FROZENSET
      case 0x90: { const items = popMark(); const s = top(); if (!(s instanceof Set)) throw new PickleError(`ADDITEMS on a non-set at offset ${at}`); items.forEach((x) => s.add(x)); break; }
      case 0x58: stack.push(text.decode(bytes(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(text.decode(bytes(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(text.decode(bytes(u64()))); break; // BINUNICODE8
      // Python 2 str (legacy files saved by Python 2): state-dict keys, read as text.
      case 0x54: stack.push(Buffer.from(bytes(i32())).toString('latin1')); break; // BINSTRING
      case 0x55: stack.push(Buffer.from(bytes(u8())).toString('latin1')); break; // SHORT_BINSTRING
      case 0x42: stack.push(bytes(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(bytes(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: stack.push(bytes(u64()).slice()); break; // BINBYTES8
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(long(bytes(u8()))); break; // LONG1
      case 0x8b: stack.push(long(bytes(u32()))); break; // LONG4
      case 0x49: { const s = line(); stack.push(s === '00' ? false : s === '01' ? true : Number.parseInt(s, 10)); break; } // INT
      case 0x4c: { const s = line().replace(/L$/, ''); const v = BigInt(s); stack.push(Number.isSafeInteger(Number(v)) ? Number(v) : v); break; } // LONG
      case 0x47: { need(8); stack.push(dv.getFloat64(p, false)); p += 8; break; } // BINFLOAT (big-endian)
      case 0x46: stack.push(Number.parseFloat(line())); break; // FLOAT
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; } // SETITEMS
      case 0x61: { const v = pop(); append(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x70: memo.set(Number.parseInt(line(), 10), top()); break; // PUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: case 0x67: { // BINGET, LONG_BINGET, GET
        const i = op === 0x68 ? u8() : op === 0x6a ? u32() : Number.parseInt(line(), 10);
        if (!memo.has(i)) throw new PickleError(`memo entry ${i} is missing at offset ${at}`);
        stack.push(memo.get(i));
        break;
      }
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x63: { const module = line(); const name = line(); stack.push(resolveGlobal(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop(); const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError(`STACK_GLOBAL without strings at offset ${at}`);
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x52: { const args = pop(); const fn = pop(); stack.push(call(fn, args)); break; } // REDUCE
      case 0x81: { const args = pop(); const cls = pop(); stack.push(call(cls, args)); break; } // NEWOBJ
      case 0x92: { pop(); const args = pop(); const cls = pop(); stack.push(call(cls, args)); break; } // NEWOBJ_EX (kwargs dropped)
      case 0x62: { // BUILD: OrderedDict's `_metadata` and Parameter state carry nothing a reader needs
        pop();
        const obj = top();
        if (!(obj instanceof Map) && !(obj instanceof TensorRef)) throw new PickleError(`BUILD on an unsupported object at offset ${at}`);
        break;
      }
      case 0x51: stack.push(persistentLoad(pop())); break; // BINPERSID
      case 0x50: stack.push(persistentLoad(line())); break; // PERSID
      default:
        throw new PickleError(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} ('${String.fromCharCode(op)}') at offset ${at}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The two container formats

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const ZIP_LOCAL = 0x04034b50;
const ZIP_EOCD = 0x06054b50;

/** 'zip', 'legacy', or null when the bytes are neither (checks the first bytes only). */
export function torchFormat(buf: Uint8Array): 'zip' | 'legacy' | null {
  if (buf.length >= 4 && new DataView(buf.buffer, buf.byteOffset, 4).getUint32(0, true) === ZIP_LOCAL) return 'zip';
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

interface ZipEntry { name: string; method: number; compressedSize: number; size: number; localOffset: number }

/** The central directory: entry names, methods, sizes, offsets (ZIP64 records included, as torch writes them for big files). */
function readZipDirectory(buf: Uint8Array, fail: (m: string) => never): Map<string, ZipEntry> {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (dv.getUint32(i, true) === ZIP_EOCD) { eocd = i; break; }
  }
  if (eocd < 0) fail('zip end-of-central-directory record not found (truncated file?)');
  let count = dv.getUint16(eocd + 10, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if ((count === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && dv.getUint32(eocd - 20, true) === 0x07064b50) {
    const z64 = Number(dv.getBigUint64(eocd - 12, true));
    if (z64 + 56 > buf.length || dv.getUint32(z64, true) !== 0x06064b50) fail('bad ZIP64 end-of-central-directory record');
    count = Number(dv.getBigUint64(z64 + 32, true));
    cdOffset = Number(dv.getBigUint64(z64 + 48, true));
  }
  const entries = new Map<string, ZipEntry>();
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || dv.getUint32(p, true) !== 0x02014b50) fail(`bad zip central directory entry ${n} at offset ${p}`);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    const e: ZipEntry = {
      name: Buffer.from(buf.subarray(p + 46, p + 46 + nameLen)).toString('utf8'), method: dv.getUint16(p + 10, true),
      compressedSize: dv.getUint32(p + 20, true), size: dv.getUint32(p + 24, true), localOffset: dv.getUint32(p + 42, true),
    };
    // ZIP64 extra field: the 64-bit values of the fields saturated above, in this order.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen;) {
      const id = dv.getUint16(x, true);
      const len = dv.getUint16(x + 2, true);
      if (id === 0x0001) {
        let y = x + 4;
        const next = () => { const v = Number(dv.getBigUint64(y, true)); y += 8; return v; };
        if (e.size === 0xffffffff) e.size = next();
        if (e.compressedSize === 0xffffffff) e.compressedSize = next();
        if (e.localOffset === 0xffffffff) e.localOffset = next();
      }
      x += 4 + len;
    }
    entries.set(e.name, e);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function zipEntryData(buf: Uint8Array, e: ZipEntry, fail: (m: string) => never): Uint8Array {
  if (e.method !== 0) {
    fail(`zip entry ${e.name} is compressed (method ${e.method}); torch.save stores entries uncompressed, so the archive was repacked`);
  }
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const h = e.localOffset;
  if (h + 30 > buf.length || dv.getUint32(h, true) !== ZIP_LOCAL) fail(`bad local header of zip entry ${e.name}`);
  const start = h + 30 + dv.getUint16(h + 26, true) + dv.getUint16(h + 28, true);
  if (start + e.size > buf.length) fail(`zip entry ${e.name} is truncated`);
  return buf.subarray(start, start + e.size);
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
  const entries = readZipDirectory(buf, fail);
  const pkl = [...entries.keys()].find((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (pkl === undefined) fail('a zip archive without data.pkl: not a torch file');
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const order = entries.get(`${prefix}byteorder`);
  const bigEndian = order !== undefined && Buffer.from(zipEntryData(buf, order, fail)).toString('latin1') === 'big';
  const storages = new Map<string, StorageRef>();
  const { value } = unpickle(zipEntryData(buf, entries.get(pkl)!, fail), 0, storageLoader(storages));
  for (const s of storages.values()) {
    const e = entries.get(`${prefix}data/${s.key}`);
    if (e === undefined) fail(`storage ${s.key} is missing (no entry ${prefix}data/${s.key})`);
    s.bytes = zipEntryData(buf, e, fail);
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

/**
 * Reads a torch file into plain values: dicts become Maps (insertion order kept), lists and tuples
 * arrays, tensors TorchFileTensors. Nothing in the file is executed.
 */
export function readTorchObject(src: string | Uint8Array, opts: { name?: string } = {}): unknown {
  const name = typeof src === 'string' ? src : opts.name ?? '<buffer>';
  const fail = (m: string): never => { throw new PlcaError('PLCA_CHECKPOINT_INVALID', `torch file ${name}: ${m}`); };
  let buf: Uint8Array;
  if (typeof src === 'string') {
    try {
      buf = readFileSync(src);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new PlcaError(code === 'ENOENT' ? 'PLCA_FILE_NOT_FOUND' : 'PLCA_FILE_UNREADABLE', `torch file ${name}: ${code === 'ENOENT' ? 'not found' : (e as Error).message}`, { cause: e });
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
    if (e instanceof PickleError) fail(e.message);
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
  const fail = (m: string): never => { throw new PlcaError('PLCA_CHECKPOINT_INVALID', `torch file ${name}: ${m}`); };
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
