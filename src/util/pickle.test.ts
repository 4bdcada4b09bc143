// Pickles written by CPython's pickle.dumps (hex / latin1 below), read with hooks that know no torch.
import { describe, expect, it } from 'vitest';
import { PickleError, PyGlobal, unpickle, type UnpickleHooks } from './pickle.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const latin1 = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
/** Hooks that accept no global at all. */
const none: UnpickleHooks = { resolveGlobal: (m, n) => { throw new PickleError(`refuses ${m}.${n}`); } };
const message = (f: () => unknown): string => {
  try { f(); } catch (e) { return `${(e as Error).constructor.name}: ${(e as Error).message}`; }
  return 'no error';
};

describe('unpickle', () => {
  it('reads protocol 2: dict, list, tuples, ints of every width, floats, strings, memo', () => {
    // {'a': [1, 300, 70000, -5, 2**40, -(2**70)], 't': (1.5, 'é', True, None), 't1': ('x',), 's': (shared, shared)}
    const buf = hex('80027d71002858010000006171015d7102284b014d2c014a701101004afbffffff8a060000000000018a090000000000000000c0655801'
      + '0000007471032847' + '3ff80000000000005802000000c3a97104884e747105580200000074317106580100000078710785710858010000007371095d710a'
      + '284b014b0265680a86710b752e');
    const { value, end } = unpickle(buf, 0, none);
    expect(end).toBe(buf.length);
    const d = value as Map<string, unknown>;
    expect([...d.keys()]).toEqual(['a', 't', 't1', 's']); // insertion order kept
    expect(d.get('a')).toEqual([1, 300, 70000, -5, 2 ** 40, -(2n ** 70n)]); // beyond 2^53: a bigint
    expect(d.get('t')).toEqual([1.5, 'é', true, null]);
    expect(d.get('t1')).toEqual(['x']);
    const [x, y] = d.get('s') as unknown[];
    expect(x).toEqual([1, 2]);
    expect(y).toBe(x); // BINGET gives the same object back
  });

  it('reads protocol 4 (FRAME, MEMOIZE, SHORT_BINUNICODE, TUPLE3, FROZENSET) and protocol 0 (text opcodes)', () => {
    // {'k': [0.25, 'text', (1, 2, 3)], 'fs': frozenset([7])}
    const p4 = unpickle(hex('8004952f000000000000007d94288c016b945d9428473fd00000000000008c0474657874944b014b024b038794658c02667394284b079194752e'), 0, none);
    expect(p4.value).toEqual(new Map<string, unknown>([['k', [0.25, 'text', [1, 2, 3]]], ['fs', new Set([7])]]));
    // [12, -0.5, True, (3,)]; protocol 0 text strings (UNICODE) are not read: torch never writes them.
    const p0 = unpickle(latin1('(lp0\nI12\naF-0.5\naI01\na(I3\ntp1\na.'), 0, none);
    expect(p0.value).toEqual([12, -0.5, true, [3]]);
  });

  it('reads consecutive pickles from an offset', () => {
    const buf = latin1('\x80\x02K\x07.\x80\x02X\x02\x00\x00\x00hi.');
    const first = unpickle(buf, 0, none);
    expect(first).toEqual({ value: 7, end: 5 });
    expect(unpickle(buf, first.end, none)).toEqual({ value: 'hi', end: buf.length });
  });

  it('refuses a global the hooks refuse, and calls only the implementation the hooks attach', () => {
    // pickle.dumps(os.system, protocol=2)
    expect(message(() => unpickle(latin1('\x80\x02cposix\nsystem\nq\x00.'), 0, none))).toBe('PickleError: refuses posix.system');
    // An accepted marker without an implementation is never called.
    const marker: UnpickleHooks = { resolveGlobal: (m, n) => new PyGlobal(m, n) };
    expect(message(() => unpickle(latin1('\x80\x02cposix\nsystem\n)R.'), 0, marker))).toBe('PickleError: cannot call posix.system at offset 17');
    // pickle.dumps(OrderedDict([('a', 1)]), protocol=2): REDUCE calls the attached implementation.
    const calls: unknown[][] = [];
    const od: UnpickleHooks = {
      resolveGlobal: (m, n) => new PyGlobal(m, n, (args) => { calls.push(args); return new Map(); }),
    };
    const r = unpickle(latin1('\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01X\x01\x00\x00\x00aq\x02K\x01s.'), 0, od);
    expect(r.value).toEqual(new Map([['a', 1]]));
    expect(calls).toEqual([[]]);
  });

  it('names the offset of what it cannot read', () => {
    expect(message(() => unpickle(latin1('\x80\x02K'), 0, none))).toBe('PickleError: truncated: needs 1 byte(s) at offset 3, the data ends at 3');
    expect(message(() => unpickle(latin1('\x80\x02\xff'), 0, none))).toBe("PickleError: unsupported pickle opcode 0xff ('ÿ') at offset 2");
    expect(message(() => unpickle(latin1('\x80\x02h\x05.'), 0, none))).toBe('PickleError: memo entry 5 is missing at offset 2');
    expect(message(() => unpickle(latin1('\x80\x02}K\x01b.'), 0, none))).toBe('PickleError: BUILD on an unsupported object at offset 5');
    expect(message(() => unpickle(latin1('\x80\x02K\x01Q.'), 0, none))).toMatch(/^PickleError: a persistent id at offset 4/);
  });
});
