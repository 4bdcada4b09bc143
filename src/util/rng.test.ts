import { describe, it, expect } from 'vitest';
import { Rng, boxMuller, deriveSeed, hashSeed, isRngState, mulberry32, permutation, randInt } from './rng.js';

describe('Rng (xoshiro128**)', () => {
  it('matches the reference algorithm from state [1, 2, 3, 4]', () => {
    // Worked by hand from the reference C code (xoshiro128starstar.c): result = rotl(s1·5, 7)·9.
    const r = Rng.fromState({ s: [1, 2, 3, 4], spare: null });
    expect([r.nextU32(), r.nextU32(), r.nextU32()]).toEqual([11520, 0, 5927040]);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const sa = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(sa);
  });

  it('resumes exactly from state(), including a cached Gaussian', () => {
    const r = new Rng(123);
    r.normal(); // leaves the spare of the Box–Muller pair cached
    const st = JSON.parse(JSON.stringify(r.state()));
    expect(st.spare).not.toBeNull();
    const want = [r.normal(), r.next(), r.normal(), r.nextU32(), r.int(3, 9)];
    const q = new Rng(999);
    q.restore(st);
    expect([q.normal(), q.next(), q.normal(), q.nextU32(), q.int(3, 9)]).toEqual(want);
    const c = r.clone();
    expect(c.next()).toBe(r.next());
  });

  it('has the right moments', () => {
    const r = new Rng(5);
    const n = 100_000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      if (!(u >= 0 && u < 1)) outside++;
      su += u;
      const z = r.normal(2, 3);
      sn += z;
      sn2 += z * z;
    }
    expect(outside).toBe(0);
    expect(su / n).toBeCloseTo(0.5, 2);
    const mean = sn / n;
    expect(mean).toBeGreaterThan(1.95);
    expect(mean).toBeLessThan(2.05);
    expect(Math.sqrt(sn2 / n - mean * mean)).toBeCloseTo(3, 1);
  });

  it('int is inclusive and uniform, shuffle permutes', () => {
    const r = new Rng(1);
    const hist = new Array(4).fill(0);
    for (let i = 0; i < 8000; i++) hist[r.int(2, 5) - 2]++;
    for (const h of hist) expect(Math.abs(h - 2000)).toBeLessThan(200);
    const p = r.shuffle(Array.from({ length: 30 }, (_, i) => i));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('derives distinct sub-seeds', () => {
    const seen = new Set<number>();
    for (const s of [1, 2, 11, 12]) for (let i = 0; i < 2500; i++) seen.add(deriveSeed(s, i));
    expect(seen.size).toBe(10_000);
  });

  it('rejects bad seeds and states with a clear error', () => {
    expect(() => new Rng(Number.NaN)).toThrow(/seed must be a finite number/);
    expect(() => new Rng(1).restore({ s: [0, 0, 0, 0], spare: null })).toThrow(/not an RngState/);
    expect(() => new Rng(1).restore({ s: [1, 2, 3], spare: null } as never)).toThrow(/not an RngState/);
    expect(isRngState(new Rng(3).state())).toBe(true);
  });
});

describe('mulberry32 and its helpers', () => {
  it('is a repeatable uniform [0, 1) stream per seed', () => {
    const a = mulberry32(5);
    const b = mulberry32(5);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.05);
    expect(mulberry32(6)()).not.toBe(mulberry32(5)());
  });

  it('hashSeed mixes words order-sensitively; randInt is inclusive; permutation is one', () => {
    expect(hashSeed(1, 2)).toBe(hashSeed(1, 2));
    expect(hashSeed(1, 2)).not.toBe(hashSeed(2, 1));
    const r = mulberry32(1);
    const ints = Array.from({ length: 500 }, () => randInt(r, 3, 5));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5]));
    const p = permutation(50, mulberry32(2));
    expect([...p].sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
  });

  it('boxMuller gives standard normals, two per uniform pair', () => {
    let calls = 0;
    const u = mulberry32(9);
    const n = boxMuller(() => { calls++; return u(); });
    const xs = Array.from({ length: 4000 }, n);
    expect(calls).toBe(4000);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const v = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.06);
    expect(Math.abs(v - 1)).toBeLessThan(0.08);
  });
});
