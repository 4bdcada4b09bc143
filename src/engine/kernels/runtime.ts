// The JS side of plca's wasm kernels: one runtime per process, bound to tfjs-backend-wasm's heap.
// It writes job descriptors (the C struct `Job` in csrc/kernels/gemm.c, field for field) into a
// block malloc'ed from the tfjs heap, owns each thread's packing buffers (also from that heap, so
// nothing collides with emscripten's layout), and runs jobs on the pool.
import { PlcaError } from '../../util/errors.js';
import { compileKernels, instantiateKernels, type KernelVariant } from './loader.js';
import { KernelPool } from './pool.js';

export { A_DENSE, A_DENSE_T, A_IM2COL, A_IM2COL_T, B_DENSE, B_DENSE_T, B_TAP_T, C_DENSE, C_SCATTER } from './views.js';
import { C_DENSE, type Im2col } from './views.js';
export type { Im2col } from './views.js';

/** C (+)= A·B over views of tensors in the wasm heap (byte addresses). */
export interface GemmJob {
  m: number; n: number; k: number;
  accumulate?: boolean;
  a: { kind: number; ptr: number; ld?: number };
  b: { kind: number; ptr: number; ld?: number; tapK?: number };
  c: { kind?: number; ptr: number; ld: number; scatter?: { h: number; w: number; s: number } };
  im2col?: Im2col;
}

const FIELDS = [
  'op', 'M', 'N', 'K', 'beta', 'aKind', 'aPtr', 'lda', 'bKind', 'bPtr', 'ldb', 'bTapK', 'cKind', 'cPtr', 'ldc',
  'gN', 'gH', 'gW', 'gC', 'gOH', 'gOW', 'gKH', 'gKW', 'gSH', 'gSW', 'gOffH', 'gOffW', 'gStepH', 'gStepW',
  'nThreads', 'splitN', 'mc', 'kc', 'nc', 'scratch', 'cH', 'cW', 'cS', 'next',
] as const;
const F = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<(typeof FIELDS)[number], number>;

/** Operations (the C enum; every job starts with one). */
const OP_GEMM = 0; const OP_CHANNEL_SUMS = 1; const OP_AFFINE = 2; const OP_AFFINE2 = 3; const OP_RELU_GRAD = 4; const OP_SGD = 5; const OP_MAXPOOL_GRAD = 6; const OP_ADD_RELU = 7;
/** The per-channel job (`ChanJob` in kernels.h). */
const CHAN_FIELDS = ['op', 'nThreads', 'P', 'C', 'mode', 'x', 'y', 'out', 'a', 'b', 'c', 'scratch', 'mask'] as const;
const CF = Object.fromEntries(CHAN_FIELDS.map((f, i) => [f, i])) as Record<(typeof CHAN_FIELDS)[number], number>;
/** The max-pool gradient job (`PoolJob` in kernels.h). */
const POOL_FIELDS = ['op', 'N', 'H', 'W', 'C', 'OH', 'OW', 'KH', 'KW', 'SH', 'SW', 'padT', 'padL', 'x', 'dy', 'dx'] as const;

/** Geometry of a max-pool gradient (NHWC). */
export interface PoolGeometry { n: number; h: number; w: number; c: number; oh: number; ow: number; kh: number; kw: number; sh: number; sw: number; padTop: number; padLeft: number }

const MR = 4;
const NR = 8;

/** Cache blocking (floats): A blocks mc × kc stay in L2, B panels kc × 8 in L1; kc 512 measured 2–10% above 256 on R101 shapes. */
export interface Blocking { mc: number; kc: number; nc: number }
export const DEFAULT_BLOCKING: Blocking = { mc: 128, kc: 512, nc: 512 };

/** The emscripten module of tfjs-backend-wasm, as far as the runtime needs it. */
export interface HeapModule { _malloc(bytes: number): number; _free(ptr: number): void }

export class KernelRuntime {
  readonly variant: KernelVariant;
  readonly threads: number;
  private readonly memory: WebAssembly.Memory;
  private readonly heap: HeapModule;
  private readonly pool: KernelPool;
  private readonly job: number;
  /** float32 hyper-parameters of the SGD job */
  private readonly hyper: number;
  private readonly scratch: number;
  private readonly blocking: Blocking;
  /** Work below this many multiply-adds runs on one thread (waking workers costs ~10-50 µs). */
  parallelMinMacs = 1 << 18;
  /** Memory-bound passes over fewer elements run on one thread (a second one pays off from about 1 MB). */
  parallelMinElements = 1 << 18;

  private constructor(variant: KernelVariant, memory: WebAssembly.Memory, heap: HeapModule, pool: KernelPool, blocking: Blocking) {
    this.variant = variant;
    this.memory = memory;
    this.heap = heap;
    this.pool = pool;
    this.threads = pool.threads;
    this.blocking = blocking;
    this.job = this.malloc(Math.max(FIELDS.length, CHAN_FIELDS.length, POOL_FIELDS.length) * 4);
    this.hyper = this.malloc(16);
    this.scratch = this.malloc(pool.threads * 3 * 4);
    const { mc, kc, nc } = blocking;
    for (let t = 0; t < pool.threads; t++) {
      this.i32().set([
        this.malloc(Math.ceil(mc / MR) * MR * kc * 4),
        this.malloc(Math.ceil(nc / NR) * NR * kc * 4),
        this.malloc(MR * NR * 4),
      ], this.scratch / 4 + 3 * t);
    }
  }

  static async create(variant: KernelVariant, memory: WebAssembly.Memory, heap: HeapModule, threads: number,
    blocking: Blocking = DEFAULT_BLOCKING): Promise<KernelRuntime> {
    const shared = memory.buffer instanceof SharedArrayBuffer;
    const module = compileKernels(variant, shared);
    const probe = instantiateKernels(module, memory);
    for (const [op, n] of [[OP_GEMM, FIELDS.length], [OP_CHANNEL_SUMS, CHAN_FIELDS.length], [OP_MAXPOOL_GRAD, POOL_FIELDS.length]]) {
      if (probe.plca_job_fields(op) !== n) {
        throw new PlcaError('PLCA_INTERNAL', `wasm kernels expect ${probe.plca_job_fields(op)} fields for job ${op}, the runtime writes ${n}`,
          { hint: 'rebuild the kernels with `npm run build:wasm`' });
      }
    }
    const pool = await KernelPool.create(module, memory, shared ? threads : 1);
    return new KernelRuntime(variant, memory, heap, pool, blocking);
  }

  /** Largest channel count the per-channel kernels take (their float32 partials live in packA). */
  get maxChannels(): number {
    return Math.floor((Math.ceil(this.blocking.mc / MR) * MR * this.blocking.kc) / 2) - 4;
  }

  /** Runs a per-channel job; returns the number of threads it used. */
  private channelJob(op: number, p: number, c: number, mode: number, ptrs: Partial<Record<'x' | 'y' | 'out' | 'a' | 'b' | 'c' | 'mask', number>>): number {
    const threads = p * c < this.parallelMinElements ? 1 : this.threads;
    const v = new Int32Array(CHAN_FIELDS.length);
    v[CF.op] = op; v[CF.nThreads] = threads; v[CF.P] = p; v[CF.C] = c; v[CF.mode] = mode;
    v[CF.x] = ptrs.x ?? 0; v[CF.y] = ptrs.y ?? 0; v[CF.out] = ptrs.out ?? 0;
    v[CF.a] = ptrs.a ?? 0; v[CF.b] = ptrs.b ?? 0; v[CF.c] = ptrs.c ?? 0;
    v[CF.scratch] = this.scratch;
    v[CF.mask] = ptrs.mask ?? 0;
    this.i32().set(v, this.job / 4);
    this.pool.run(this.job, threads);
    return threads;
  }

  /**
   * Per-channel sums over the P rows of x [P, C] in float64: mode 'sum' → [Σx], 'sqdev' → [Σ(x − mean)²]
   * (`mean` a [C] float32 vector), 'sumprod' → [Σx, Σx·y] (with `mask`, an address of [P, C]: x taken as 0 where
   * mask ≤ 0), 'sumsq' → [Σx²].
   */
  channelSums(p: number, c: number, mode: 'sum' | 'sqdev' | 'sumprod' | 'sumsq', x: number, other = 0, mask = 0): Float64Array[] {
    const m = { sum: 0, sqdev: 1, sumprod: 2, sumsq: 3 }[mode];
    const threads = this.channelJob(OP_CHANNEL_SUMS, p, c, m, { x, y: mode === 'sumprod' ? other : 0, a: mode === 'sqdev' ? other : 0, mask });
    const outs = mode === 'sumprod' ? [new Float64Array(c), new Float64Array(c)] : [new Float64Array(c)];
    const i32 = this.i32();
    for (let t = 0; t < threads; t++) {
      const base = i32[this.scratch / 4 + 3 * t + 1] >>> 0;
      const part = new Float64Array(this.memory.buffer, base, 2 * c);
      outs.forEach((o, k) => { for (let i = 0; i < c; i++) o[i] += part[k * c + i]; });
    }
    return outs;
  }

  /** out = x·a + b per channel (`relu`: then max(·, 0)), x and out [P, C], a and b [C]. */
  affine(p: number, c: number, x: number, a: number, b: number, out: number, relu = false): void {
    this.channelJob(OP_AFFINE, p, c, relu ? 1 : 0, { x, a, b, out });
  }

  /** out = x·a + y·b + c per channel (with `mask`: x taken as 0 where mask ≤ 0). */
  affine2(p: number, ch: number, x: number, y: number, a: number, b: number, c: number, out: number, mask = 0): void {
    this.channelJob(OP_AFFINE2, p, ch, 0, { x, y, a, b, c, out, mask });
  }

  /** out = max(x + y, 0) over n elements. */
  addRelu(n: number, x: number, y: number, out: number): void {
    this.channelJob(OP_ADD_RELU, n, 1, 0, { x, y, out });
  }

  /** out = dy where x > 0, else 0, over n elements (ReLU's gradient). */
  reluGrad(n: number, dy: number, x: number, out: number): void {
    this.channelJob(OP_RELU_GRAD, n, 1, 0, { x, y: dy, out });
  }

  /**
   * One SGD update of n parameters (PyTorch's semantics): v' = μ·v + g + wd·p (v' = g + wd·p when
   * `v` is 0, the first update), p' = p − lr·v'.
   */
  sgd(n: number, p: number, g: number, v: number, pOut: number, vOut: number, lr: number, momentum: number, weightDecay: number): void {
    new Float32Array(this.memory.buffer, this.hyper, 3).set([lr, momentum, weightDecay]);
    this.channelJob(OP_SGD, n, 1, 0, { x: p, y: g, a: v, out: pOut, b: vOut, c: this.hyper });
  }

  /** dx of a max pool: each output's dy to the first maximum of its window in x (one thread). */
  maxPoolGrad(g: PoolGeometry, x: number, dy: number, dx: number): void {
    this.i32().set([OP_MAXPOOL_GRAD, g.n, g.h, g.w, g.c, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft, x, dy, dx], this.job / 4);
    this.pool.run(this.job, 1);
  }

  /**
   * GFLOP/s of the micro-kernel alone on L1-resident panels, one thread (min time of `tries`):
   * the ceiling of this kernel design, for benchmarks.
   */
  microKernelGflops(tries = 5): number {
    const kb = 256;
    const reps = 20_000;
    const a = this.malloc(kb * MR * 4);
    const b = this.malloc(kb * NR * 4);
    const c = this.malloc(MR * NR * 4);
    try {
      const f = new Float32Array(this.memory.buffer);
      for (let i = 0; i < kb * MR; i++) f[a / 4 + i] = 1e-3 * (i % 7);
      for (let i = 0; i < kb * NR; i++) f[b / 4 + i] = 1e-3 * (i % 5);
      f.fill(0, c / 4, c / 4 + MR * NR);
      const main = this.pool.mainExports;
      main.plca_ukernel_loop(a, b, c, kb, 100);
      let best = Infinity;
      for (let t = 0; t < tries; t++) {
        const t0 = performance.now();
        main.plca_ukernel_loop(a, b, c, kb, reps);
        best = Math.min(best, performance.now() - t0);
      }
      return (2 * MR * NR * kb * reps) / best / 1e6;
    } finally {
      for (const p of [a, b, c]) this.heap._free(p);
    }
  }

  private malloc(bytes: number): number {
    const p = this.heap._malloc(bytes) >>> 0;
    if (p === 0) {
      throw new PlcaError('PLCA_INTERNAL', `wasm heap exhausted allocating ${bytes} bytes of kernel scratch`,
        { hint: 'PLCA_KERNELS=stock runs with tfjs\'s own kernels' });
    }
    return p;
  }

  private i32(): Int32Array {
    return new Int32Array(this.memory.buffer);
  }

  /** Runs C (+)= A·B; returns after every thread is done. */
  gemm(g: GemmJob): void {
    const { m, n, k } = g;
    if (m === 0 || n === 0) return;
    const macs = m * n * Math.max(k, 1);
    const threads = macs < this.parallelMinMacs ? 1 : this.threads;
    // Split the larger side: each thread packs its own share of it and all of the other operand.
    const splitN = Math.ceil(n / NR) > Math.ceil(m / MR) ? 1 : 0;
    const v = new Int32Array(FIELDS.length);
    v[F.op] = OP_GEMM;
    v[F.M] = m; v[F.N] = n; v[F.K] = k; v[F.beta] = g.accumulate ? 1 : 0;
    v[F.aKind] = g.a.kind; v[F.aPtr] = g.a.ptr; v[F.lda] = g.a.ld ?? 0;
    v[F.bKind] = g.b.kind; v[F.bPtr] = g.b.ptr; v[F.ldb] = g.b.ld ?? 0; v[F.bTapK] = g.b.tapK ?? 0;
    v[F.cKind] = g.c.kind ?? C_DENSE; v[F.cPtr] = g.c.ptr; v[F.ldc] = g.c.ld;
    const q = g.im2col;
    if (q) {
      v[F.gN] = q.n; v[F.gH] = q.h; v[F.gW] = q.w; v[F.gC] = q.c; v[F.gOH] = q.oh; v[F.gOW] = q.ow;
      v[F.gKH] = q.kh; v[F.gKW] = q.kw; v[F.gSH] = q.sh; v[F.gSW] = q.sw;
      v[F.gOffH] = q.offH; v[F.gOffW] = q.offW; v[F.gStepH] = q.stepH; v[F.gStepW] = q.stepW;
    }
    v[F.nThreads] = threads; v[F.splitN] = splitN;
    v[F.mc] = this.blocking.mc; v[F.kc] = this.blocking.kc; v[F.nc] = this.blocking.nc;
    v[F.scratch] = this.scratch;
    const s = g.c.scatter;
    if (s) { v[F.cH] = s.h; v[F.cW] = s.w; v[F.cS] = s.s; }
    this.i32().set(v, this.job / 4);
    this.pool.run(this.job, threads);
  }
}
