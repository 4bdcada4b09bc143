// plca's wasm GEMM against the definition of each operand view, on its own memory (no tfjs):
// every A/B/C view, edge sizes around the 4 × 8 register tile and the cache blocks, im2col
// geometries with stride, dilation, padding and mirrored taps, accumulation, both kernel variants
// (relaxed SIMD where this runtime has it) and a 2-thread pool on shared memory.
import { describe, expect, it } from 'vitest';
import { relaxedSimdSupported, type KernelVariant } from './loader.js';
import {
  A_DENSE, A_DENSE_T, A_IM2COL, A_IM2COL_T, B_DENSE, B_DENSE_T, B_TAP_T, C_DENSE, C_SCATTER,
  KernelRuntime, type GemmJob, type HeapModule, type Im2col,
} from './runtime.js';

/** A bump allocator over a fresh memory, standing in for tfjs's emscripten heap. */
function testHeap(shared: boolean): { memory: WebAssembly.Memory; heap: HeapModule } {
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 4096, shared });
  let top = 1024; // address 0 stays unused: the kernels read 0 as "zero padding"
  const heap: HeapModule = {
    _malloc(bytes: number) {
      const p = top;
      top += Math.ceil(bytes / 16) * 16 + 16;
      const grow = top - memory.buffer.byteLength;
      if (grow > 0) memory.grow(Math.ceil(grow / 65536));
      return p;
    },
    _free() { /* bump allocator */ },
  };
  return { memory, heap };
}

/** Deterministic values in [-1, 1). */
function fill(f: Float32Array, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < f.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    f[i] = s / 2 ** 31 - 1;
  }
}

function srcPixel(g: Im2col, p: number, t: number): number {
  const n = Math.floor(p / (g.oh * g.ow)); const r = p - n * g.oh * g.ow;
  const oh = Math.floor(r / g.ow); const ow = r - oh * g.ow;
  const ti = Math.floor(t / g.kw); const tj = t - ti * g.kw;
  const y = oh * g.sh + g.offH + ti * g.stepH; const x = ow * g.sw + g.offW + tj * g.stepW;
  return y < 0 || y >= g.h || x < 0 || x >= g.w ? -1 : (n * g.h + y) * g.w + x;
}

/** C as the views define it, in float64. */
function reference(job: GemmJob, f: Float32Array, cBefore: Float32Array): Float64Array {
  const { m: M, n: N, k: K } = job;
  const a = job.a.ptr / 4; const b = job.b.ptr / 4; const g = job.im2col!;
  const A = (m: number, k: number): number => {
    switch (job.a.kind) {
      case A_DENSE: return f[a + m * job.a.ld! + k];
      case A_DENSE_T: return f[a + k * job.a.ld! + m];
      case A_IM2COL: { const t = Math.floor(k / g.c); const s = srcPixel(g, m, t); return s < 0 ? 0 : f[a + s * g.c + (k - t * g.c)]; }
      default: { const t = Math.floor(m / g.c); const s = srcPixel(g, k, t); return s < 0 ? 0 : f[a + s * g.c + (m - t * g.c)]; }
    }
  };
  const B = (k: number, n: number): number => {
    switch (job.b.kind) {
      case B_DENSE: return f[b + k * job.b.ld! + n];
      case B_DENSE_T: return f[b + n * job.b.ld! + k];
      default: { const tk = job.b.tapK!; const t = Math.floor(k / tk); return f[b + t * N * tk + n * tk + (k - t * tk)]; }
    }
  };
  const out = Float64Array.from(cBefore);
  for (let m = 0; m < M; m++) {
    const row = rowOf(job, m);
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A(m, k) * B(k, n);
      out[row + n] = (job.accumulate ? out[row + n] : 0) + s;
    }
  }
  return out;
}

function rowOf(job: GemmJob, m: number): number {
  if ((job.c.kind ?? C_DENSE) === C_DENSE) return m * job.c.ld;
  const g = job.im2col!; const s = job.c.scatter!;
  const n = Math.floor(m / (g.oh * g.ow)); const r = m - n * g.oh * g.ow;
  const oh = Math.floor(r / g.ow); const ow = r - oh * g.ow;
  return ((n * s.h + oh * s.s) * s.w + ow * s.s) * job.c.ld;
}

interface Case { name: string; job: (p: (floats: number) => number) => GemmJob; aFloats: number; bFloats: number; cFloats: number }

const conv = (n: number, h: number, w: number, c: number, kh: number, s: number, d: number, pad: number): Im2col => {
  const oh = Math.floor((h + 2 * pad - d * (kh - 1) - 1) / s) + 1;
  const ow = Math.floor((w + 2 * pad - d * (kh - 1) - 1) / s) + 1;
  return { n, h, w, c, oh, ow, kh, kw: kh, sh: s, sw: s, offH: -pad, offW: -pad, stepH: d, stepW: d };
};

function cases(): Case[] {
  const out: Case[] = [];
  const dense = (name: string, m: number, n: number, k: number, ak: number, bk: number, accumulate = false): Case => ({
    name, aFloats: m * k, bFloats: k * n, cFloats: m * n,
    job: (p) => ({
      m, n, k, accumulate,
      a: { kind: ak, ptr: p(m * k), ld: ak === A_DENSE ? k : m },
      b: { kind: bk, ptr: p(k * n), ld: bk === B_DENSE ? n : k },
      c: { ptr: p(m * n), ld: n },
    }),
  });
  // tile (4 × 8) and block (mc 128, kc 256, nc 512 by default; smaller blocks below) edges
  for (const [m, n, k] of [[1, 1, 1], [4, 8, 3], [5, 9, 7], [13, 21, 33], [37, 19, 70], [130, 20, 300]]) {
    for (const ak of [A_DENSE, A_DENSE_T]) for (const bk of [B_DENSE, B_DENSE_T]) {
      out.push(dense(`dense ${m}×${n}×${k} a${ak} b${bk}`, m, n, k, ak, bk));
    }
  }
  out.push(dense('accumulate 11×13×9', 11, 13, 9, A_DENSE, B_DENSE, true));
  out.push(dense('K = 0 zeroes C', 6, 10, 0, A_DENSE, B_DENSE));
  // im2col views: forward (A_IM2COL), filter gradient (A_IM2COL_T), input gradient (mirrored taps, B_TAP_T)
  const geoms: Array<[string, Im2col]> = [
    ['3×3 s1 d1 p1', conv(2, 6, 7, 5, 3, 1, 1, 1)],
    ['3×3 s1 d2 p2', conv(1, 9, 8, 6, 3, 1, 2, 2)],
    ['3×3 s2 p1', conv(1, 9, 7, 3, 3, 2, 1, 1)],
    ['7×7 s2 p3 (stem)', conv(1, 13, 11, 3, 7, 2, 1, 3)],
    ['1×1 s2', conv(2, 7, 6, 9, 1, 2, 1, 0)],
    ['3×3 d3 p0', conv(1, 10, 11, 4, 3, 1, 3, 0)],
  ];
  for (const [gname, g] of geoms) {
    const pix = g.n * g.oh * g.ow; const taps = g.kh * g.kw; const src = g.n * g.h * g.w * g.c;
    for (const co of [5, 16]) {
      out.push({
        name: `im2col ${gname} → ${co}`, aFloats: src, bFloats: taps * g.c * co, cFloats: pix * co,
        job: (p) => ({ m: pix, n: co, k: taps * g.c, a: { kind: A_IM2COL, ptr: p(src) }, b: { kind: B_DENSE, ptr: p(taps * g.c * co), ld: co }, c: { ptr: p(pix * co), ld: co }, im2col: g }),
      });
      out.push({
        name: `im2col-T ${gname} → ${co}`, aFloats: src, bFloats: pix * co, cFloats: taps * g.c * co,
        job: (p) => ({ m: taps * g.c, n: co, k: pix, a: { kind: A_IM2COL_T, ptr: p(src) }, b: { kind: B_DENSE, ptr: p(pix * co), ld: co }, c: { ptr: p(taps * g.c * co), ld: co }, im2col: g }),
      });
    }
    if (g.sh === 1) {
      // input gradient: the forward view of dy (grid = the input) with mirrored taps
      const dyG: Im2col = { ...g, h: g.oh, w: g.ow, c: 6, oh: g.h, ow: g.w, offH: -g.offH, offW: -g.offW, stepH: -g.stepH, stepW: -g.stepW };
      const dyF = g.n * g.oh * g.ow * 6; const inPix = g.n * g.h * g.w;
      out.push({
        name: `input grad ${gname}`, aFloats: dyF, bFloats: taps * g.c * 6, cFloats: inPix * g.c,
        job: (p) => ({ m: inPix, n: g.c, k: taps * 6, a: { kind: A_IM2COL, ptr: p(dyF) }, b: { kind: B_TAP_T, ptr: p(taps * g.c * 6), tapK: 6 }, c: { ptr: p(inPix * g.c), ld: g.c }, im2col: dyG }),
      });
    }
  }
  // strided 1×1 input gradient: rows scattered to every other input pixel
  const g = conv(2, 7, 6, 5, 1, 2, 1, 0);
  const dyPix = g.n * g.oh * g.ow;
  out.push({
    name: 'scatter 1×1 s2 input grad', aFloats: dyPix * 12, bFloats: 5 * 12, cFloats: g.n * g.h * g.w * 5,
    job: (p) => ({ m: dyPix, n: 5, k: 12, a: { kind: A_DENSE, ptr: p(dyPix * 12), ld: 12 }, b: { kind: B_DENSE_T, ptr: p(60), ld: 12 },
      c: { kind: C_SCATTER, ptr: p(g.n * g.h * g.w * 5), ld: 5, scatter: { h: g.h, w: g.w, s: 2 } }, im2col: g }),
  });
  return out;
}

async function check(variant: KernelVariant, threads: number, blocking?: { mc: number; kc: number; nc: number }): Promise<void> {
  const { memory, heap } = testHeap(threads > 1);
  const rt = await KernelRuntime.create(variant, memory, heap, threads, blocking);
  rt.parallelMinMacs = 0; // every job uses every thread
  for (const c of cases()) {
    const regions: Array<[number, number]> = [];
    const job = c.job((floats) => { const ptr = heap._malloc(floats * 4 + 16); regions.push([ptr, floats]); return ptr; });
    const f = new Float32Array(memory.buffer);
    regions.forEach(([ptr, n], i) => fill(f.subarray(ptr / 4, ptr / 4 + n), 7 + i));
    const cStart = job.c.ptr / 4;
    const cLen = regions[regions.length - 1][1];
    const cBefore = Float32Array.from(new Float32Array(memory.buffer, job.c.ptr, cLen));
    const want = reference(job, new Float32Array(memory.buffer), cBefore);
    if (job.c.kind === C_SCATTER) {
      // the kernel writes only the scattered rows; the conv kernel zeroes the rest first
      new Float32Array(memory.buffer).fill(0, cStart, cStart + cLen);
      const base = reference(job, new Float32Array(memory.buffer), new Float32Array(cLen));
      want.set(base);
    }
    rt.gemm(job);
    const got = new Float32Array(memory.buffer, job.c.ptr, cLen);
    let err = 0;
    for (let i = 0; i < cLen; i++) err = Math.max(err, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
    expect(err, `${variant} ${threads}t ${c.name}: max relative error`).toBeLessThan(2e-5);
  }
}

/** Per-channel sums, affine maps, ReLU's gradient and SGD against plain loops (odd channel counts hit the scalar tails). */
async function checkChannels(variant: KernelVariant, threads: number): Promise<void> {
  const { memory, heap } = testHeap(threads > 1);
  const rt = await KernelRuntime.create(variant, memory, heap, threads);
  rt.parallelMinElements = 0; // every pass uses every thread
  for (const [p, c] of [[1, 1], [7, 3], [130, 13], [300, 64], [1500, 50]]) {
    const ptr = (n: number) => heap._malloc(n * 4);
    const [x, y, out, a, b, cc] = [ptr(p * c), ptr(p * c), ptr(p * c), ptr(c), ptr(c), ptr(c)];
    const f = () => new Float32Array(memory.buffer);
    [x, y, a, b, cc].forEach((q, i) => fill(f().subarray(q / 4, q / 4 + (i < 2 ? p * c : c)), 20 + i));
    const X = (i: number, k: number) => f()[x / 4 + i * c + k]; const Y = (i: number, k: number) => f()[y / 4 + i * c + k];
    const V = (q: number, k: number) => f()[q / 4 + k];
    const [sum] = rt.channelSums(p, c, 'sum', x);
    const [sq] = rt.channelSums(p, c, 'sqdev', x, a);
    const [s1, s2] = rt.channelSums(p, c, 'sumprod', x, y);
    const [ss] = rt.channelSums(p, c, 'sumsq', x);
    for (let k = 0; k < c; k++) {
      let e0 = 0; let e1 = 0; let e2 = 0;
      for (let i = 0; i < p; i++) { e0 += X(i, k); e1 += (X(i, k) - V(a, k)) ** 2; e2 += X(i, k) * Y(i, k); }
      expect(Math.abs(sum[k] - e0), `${variant} ${threads}t sum ${p}×${c}`).toBeLessThan(1e-4 * (1 + Math.abs(e0)));
      expect(Math.abs(sq[k] - e1), `sqdev ${p}×${c}`).toBeLessThan(1e-4 * (1 + e1));
      expect(Math.abs(s1[k] - e0) + Math.abs(s2[k] - e2), `sumprod ${p}×${c}`).toBeLessThan(1e-4 * (2 + Math.abs(e0) + Math.abs(e2)));
      let e3 = 0;
      for (let i = 0; i < p; i++) e3 += X(i, k) ** 2;
      expect(Math.abs(ss[k] - e3), `sumsq ${p}×${c}`).toBeLessThan(1e-4 * (1 + e3));
    }
    const maxErr = (want: (i: number, k: number) => number) => {
      let e = 0;
      for (let i = 0; i < p; i++) for (let k = 0; k < c; k++) e = Math.max(e, Math.abs(f()[out / 4 + i * c + k] - want(i, k)));
      return e;
    };
    rt.affine(p, c, x, a, b, out);
    expect(maxErr((i, k) => X(i, k) * V(a, k) + V(b, k)), `affine ${p}×${c}`).toBeLessThan(1e-6);
    rt.affine(p, c, x, a, b, out, true);
    expect(maxErr((i, k) => Math.max(0, X(i, k) * V(a, k) + V(b, k))), `affine relu ${p}×${c}`).toBeLessThan(1e-6);
    rt.affine2(p, c, x, y, a, b, cc, out);
    expect(maxErr((i, k) => X(i, k) * V(a, k) + Y(i, k) * V(b, k) + V(cc, k)), `affine2 ${p}×${c}`).toBeLessThan(1e-6);
    rt.reluGrad(p * c, y, x, out);
    expect(maxErr((i, k) => (X(i, k) > 0 ? Y(i, k) : 0)), `relu grad ${p}×${c}`).toBe(0);
    // SGD: parameters x, gradient y, previous momentum buffer v
    const v = ptr(p * c); const vOut = ptr(p * c);
    fill(f().subarray(v / 4, v / 4 + p * c), 30);
    for (const withV of [false, true]) {
      rt.sgd(p * c, x, y, withV ? v : 0, out, vOut, 0.1, 0.9, 5e-4);
      let e = 0;
      for (let i = 0; i < p * c; i++) {
        const pi = f()[x / 4 + i]; const gi = f()[y / 4 + i];
        const vi = (withV ? 0.9 * f()[v / 4 + i] : 0) + gi + 5e-4 * pi;
        e = Math.max(e, Math.abs(f()[vOut / 4 + i] - vi), Math.abs(f()[out / 4 + i] - (pi - 0.1 * vi)));
      }
      expect(e, `sgd ${withV ? 'with' : 'without'} momentum buffer ${p}×${c}`).toBeLessThan(1e-6);
    }
  }
}

describe('plca wasm channel kernels against plain loops', () => {
  it('simd128, one thread', async () => { await checkChannels('simd128', 1); });
  it('relaxed-simd, one thread (where the runtime compiles it)', async (ctx) => {
    if (!(await relaxedSimdSupported())) ctx.skip();
    await checkChannels('relaxed-simd', 1);
  });
  it('simd128, 2 threads on a shared memory', async () => { await checkChannels('simd128', 2); });
});

describe('plca wasm GEMM views against their definitions', () => {
  it('simd128, one thread', async () => { await check('simd128', 1); });
  it('simd128, small cache blocks (every block edge is crossed)', async () => { await check('simd128', 1, { mc: 8, kc: 12, nc: 16 }); });
  it('relaxed-simd, one thread (where the runtime compiles it)', async (ctx) => {
    if (!(await relaxedSimdSupported())) ctx.skip();
    await check('relaxed-simd', 1);
  });
  it('simd128, 2 threads on a shared memory (both split directions)', async () => {
    await check('simd128', 2, { mc: 8, kc: 12, nc: 16 });
  });
});
