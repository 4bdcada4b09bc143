/**
 * plca's seeded randomness, all of it (plain JS, no tensors, so results are bit-identical on every
 * backend; not cryptographic):
 * - `Rng`: xoshiro128** (Blackman & Vigna) seeded through splitmix32, with Box–Muller Gaussians.
 *   Its whole state is four 32-bit words and a cached spare normal, so `state()`/`restore()` let a
 *   generator or a training stream resume exactly (the state is plain JSON and goes into
 *   checkpoints). MiniCity's scenes and its batch streams use it.
 * - `mulberry32(seed)`: a stateless-looking uniform stream on one 32-bit word, for draws that are
 *   re-seeded per item (a loader sample from (seed, epoch, index), so it does not depend on which
 *   worker ran it) and for weight initialisation (`InitRng` in src/models).
 * - Seed mixers: `mix32`, `deriveSeed`, `hashSeed`; helpers `randInt`, `permutation`, `boxMuller`.
 */
import { PlcaError } from './errors.js';

/** A uniform [0, 1) source. */
export type Uniform = () => number;

/** A uniform [0, 1) stream (mulberry32) on a 32-bit state: small and fast. */
export function mulberry32(seed: number): Uniform {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes integers into one 32-bit seed (murmur3 finaliser per word). */
export function hashSeed(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    let k = Math.imul(w >>> 0, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** An integer uniform in [lo, hi], both inclusive (as Python's random.randint). */
export function randInt(rng: Uniform, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** A Fisher–Yates permutation of 0..n−1. */
export function permutation(n: number, rng: Uniform): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * Standard normal samples from a uniform source (Box–Muller; the second value of each pair is
 * kept for the next call, so two calls cost one pair).
 */
export function boxMuller(uniform: Uniform): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const v = spare;
      spare = undefined;
      return v;
    }
    const u1 = 1 - uniform(); // (0, 1]: log stays finite
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
}

/** The JSON-serialisable state of an `Rng`. */
export interface RngState {
  /** The four xoshiro128 words, as unsigned 32-bit integers. */
  s: [number, number, number, number];
  /** A cached second Box–Muller normal, or null. */
  spare: number | null;
}

/** One splitmix32 step: a good 32-bit mixer, used for seeding and for deriving sub-seeds. */
export function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A seed derived from a parent seed and an index (e.g. set seed and image index), well mixed. */
export function deriveSeed(seed: number, index: number): number {
  return mix32(mix32(seed >>> 0) ^ mix32((index + 0x632be5ab) >>> 0));
}

const TWO_POW_32 = 4294967296;

export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  private spare: number | null = null;

  /** @param seed any finite number; its low 32 bits are used. */
  constructor(seed = 0) {
    if (!Number.isFinite(seed)) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in Rng: seed must be a finite number, got ${seed}`);
    }
    let x = seed >>> 0;
    x = mix32(x);
    this.a = x;
    x = mix32(x);
    this.b = x;
    x = mix32(x);
    this.c = x;
    x = mix32(x);
    // xoshiro must not start from the all-zero state.
    this.d = x | (this.a | this.b | this.c ? 0 : 1);
  }

  /** The next 32-bit unsigned integer (xoshiro128**). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in {lo, …, hi} (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  bool(p: number): boolean {
    return this.next() < p;
  }

  /** A normal sample N(mean, std²) by Box–Muller; the second value of each pair is cached. */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    // 1 − u lies in (0, 1], so the log is finite.
    const r = Math.sqrt(-2 * Math.log(1 - this.next()));
    const th = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(th);
    return mean + std * r * Math.cos(th);
  }

  /** Shuffles `arr` in place (Fisher–Yates) and returns it. */
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
    return arr;
  }

  /** A copy of the current state (plain JSON). */
  state(): RngState {
    return { s: [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0], spare: this.spare };
  }

  /** Continues exactly from a state returned by `state()`. */
  restore(st: RngState): void {
    if (!isRngState(st)) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in Rng.restore: not an RngState: ${JSON.stringify(st)}`);
    }
    [this.a, this.b, this.c, this.d] = st.s.map((v) => v | 0);
    this.spare = st.spare;
  }

  /** A new generator with a copy of this one's state. */
  clone(): Rng {
    const r = new Rng(0);
    r.restore(this.state());
    return r;
  }

  /** A generator restored from a saved state. */
  static fromState(st: RngState): Rng {
    const r = new Rng(0);
    r.restore(st);
    return r;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function isRngState(v: unknown): v is RngState {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const s = o.s;
  const okWords =
    Array.isArray(s) && s.length === 4 && s.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32);
  const okSpare = o.spare === null || (typeof o.spare === 'number' && Number.isFinite(o.spare));
  return okWords && okSpare && (s as number[]).some((w) => w !== 0);
}
