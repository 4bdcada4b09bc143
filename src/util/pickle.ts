// A safe interpreter for Python pickles (protocols 0-5, the opcodes torch.save and plain Python data
// use). It never executes anything: GLOBAL asks the caller's `resolveGlobal`, which accepts a name
// (optionally attaching an implementation) or throws; REDUCE/NEWOBJ call only such implementations.
// It knows nothing about what the globals mean (torch lives in src/models/torch_pth.ts).

/** A malformed pickle or a refused global/call; messages name the byte offset where it applies. */
export class PickleError extends Error {}

/** What an accepted global does when the pickle calls it; tuples arrive as arrays. */
export type PyCallable = (args: unknown[]) => unknown;

/** A global named by the pickle and accepted by the caller; without `impl` it is an inert marker. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string, readonly impl?: PyCallable) {}
  get qualified(): string { return `${this.module}.${this.name}`; }
}

export interface UnpickleHooks {
  /** GLOBAL / STACK_GLOBAL: the accepted global, or throw (a PickleError) to refuse the name. */
  resolveGlobal(module: string, name: string): PyGlobal;
  /** PERSID / BINPERSID: the object a persistent id stands for. Absent: persistent ids are an error. */
  persistentLoad?(pid: unknown): unknown;
  /** BUILD: applies (or ignores) `state` on `obj`; false when `obj` takes no state. Absent: BUILD is an error. */
  build?(obj: unknown, state: unknown): boolean;
}

const MARK = Symbol('mark');

/**
 * Interprets one pickle starting at `pos`. Dicts become Maps (insertion order kept), lists and tuples
 * arrays, sets Sets, ints numbers (bigints beyond 2^53), str strings, bytes Uint8Arrays.
 * @returns the object and the offset after STOP
 */
export function unpickle(buf: Uint8Array, pos: number, hooks: UnpickleHooks): { value: unknown; end: number } {
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
  // The only place anything is invoked: an implementation the caller attached in resolveGlobal.
  const call = (fn: unknown, args: unknown): unknown => {
    if (!(fn instanceof PyGlobal) || fn.impl === undefined) throw new PickleError(`cannot call ${fn instanceof PyGlobal ? fn.qualified : typeof fn} at offset ${p - 1}`);
    if (!Array.isArray(args)) throw new PickleError(`call of ${fn.qualified} without an argument tuple at offset ${p - 1}`);
    try {
      return fn.impl(args);
    } catch (e) {
      throw new PickleError(`${fn.qualified} at offset ${p - 1}: ${(e as Error).message}`);
    }
  };
  const persistentLoad = (pid: unknown): unknown => {
    if (hooks.persistentLoad === undefined) throw new PickleError(`a persistent id at offset ${p - 1}, which this reader does not resolve`);
    return hooks.persistentLoad(pid);
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
      // Python 2 str (e.g. legacy torch files saved by Python 2): read as text.
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
      case 0x63: { const module = line(); const name = line(); stack.push(hooks.resolveGlobal(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop(); const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleError(`STACK_GLOBAL without strings at offset ${at}`);
        stack.push(hooks.resolveGlobal(module, name));
        break;
      }
      case 0x52: { const args = pop(); const fn = pop(); stack.push(call(fn, args)); break; } // REDUCE
      case 0x81: { const args = pop(); const cls = pop(); stack.push(call(cls, args)); break; } // NEWOBJ
      case 0x92: { pop(); const args = pop(); const cls = pop(); stack.push(call(cls, args)); break; } // NEWOBJ_EX (kwargs dropped)
      case 0x62: { // BUILD: the caller decides which objects take state
        const state = pop();
        const obj = top();
        if (hooks.build === undefined || !hooks.build(obj, state)) throw new PickleError(`BUILD on an unsupported object at offset ${at}`);
        break;
      }
      case 0x51: stack.push(persistentLoad(pop())); break; // BINPERSID
      case 0x50: stack.push(persistentLoad(line())); break; // PERSID
      default:
        throw new PickleError(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} ('${String.fromCharCode(op)}') at offset ${at}`);
    }
  }
}
