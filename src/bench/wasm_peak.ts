/**
 * The arithmetic ceiling of WebAssembly SIMD on this machine, to put the engine's convolution
 * speed in context. One thread runs a register-blocked multiply-accumulate loop shaped like a GEMM
 * micro-kernel (see `kernel`), in three forms:
 *   - simd128:   f32x4.mul + f32x4.add (what tfjs-backend-wasm 4.22's XNNPACK build can use),
 *   - relaxed:   f32x4.relaxed_madd, a fused multiply-add (relaxed SIMD; Node 20 needs
 *                --experimental-wasm-relaxed-simd, on by default from V8 11.4 / Chrome 114),
 *   - scalar:    f32 mul + add, for scale.
 * `measureWasmPeak()` runs the relaxed form in a child process with the flag (bench_child.ts).
 */
import { forkModule } from '../util/child.js';

export type WasmPeakKind = 'simd128' | 'relaxed' | 'scalar';
export interface WasmPeak { scalar: number; simd128: number; relaxedMadd: number | null }

type WabtInit = () => Promise<{ parseWat(name: string, text: string, features: Record<string, boolean>): { toBinary(o: object): { buffer: ArrayLike<number> } } }>;

async function loadWabt(): Promise<WabtInit> {
  try {
    return (await import('wabt')).default as unknown as WabtInit;
  } catch {
    throw new Error('the wasm ceiling needs the wabt package (a devDependency of plca: run from a checkout with npm ci)');
  }
}

// 4 × 2 register block: acc[i][j] += x_i · y_j. 8 accumulators + 6 operands fit x86-64's 16
// vector registers (V8 uses xmm0–15), so nothing spills; the y_j drift each iteration so nothing
// is loop-invariant.
const XS = 4;
const YS = 2;
const ACC = XS * YS;
const ITERS = 20_000_000;

function kernel(kind: WasmPeakKind): string {
  const t = kind === 'scalar' ? 'f32' : 'v128';
  const p = kind === 'scalar' ? 'f32' : 'f32x4';
  const splat = (v: string) => (kind === 'scalar' ? `(f32.const ${v})` : `(f32x4.splat (f32.const ${v}))`);
  const acc = (i: number, j: number) => `$a${i}_${j}`;
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < XS; i++) for (let j = 0; j < YS; j++) pairs.push([i, j]);
  const locals = [
    ...pairs.map(([i, j]) => `(local ${acc(i, j)} ${t})`),
    ...Array.from({ length: XS }, (_, i) => `(local $x${i} ${t})`),
    ...Array.from({ length: YS }, (_, j) => `(local $y${j} ${t})`),
    `(local $dy ${t})`,
  ].join(' ');
  const init = [
    ...pairs.map(([i, j]) => `(local.set ${acc(i, j)} ${splat('0')})`),
    ...Array.from({ length: XS }, (_, i) => `(local.set $x${i} ${splat(String(1 + i / 64))})`),
    ...Array.from({ length: YS }, (_, j) => `(local.set $y${j} ${splat(String(0.5 + j / 8))})`),
    `(local.set $dy ${splat('1e-9')})`,
  ].join('\n');
  const step = pairs.map(([i, j]) => (kind === 'relaxed'
    ? `(local.set ${acc(i, j)} (f32x4.relaxed_madd (local.get $x${i}) (local.get $y${j}) (local.get ${acc(i, j)})))`
    : `(local.set ${acc(i, j)} (${p}.add (local.get ${acc(i, j)}) (${p}.mul (local.get $x${i}) (local.get $y${j}))))`)).join('\n');
  const drift = Array.from({ length: YS }, (_, j) => `(local.set $y${j} (${p}.add (local.get $y${j}) (local.get $dy)))`).join('\n');
  const sum = pairs.map(([i, j]) => `(local.get ${acc(i, j)})`).reduce((a, b) => `(${p}.add ${a} ${b})`);
  return `(module (func (export "run") (param $n i32) (result f32) ${locals}
    ${init}
    (loop $l
      ${step}
      ${drift}
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (i32.gt_s (local.get $n) (i32.const 0))))
    ${kind === 'scalar' ? sum : `(f32x4.extract_lane 0 ${sum})`}))`;
}

/** GFLOP/s of one kernel form on this thread (min of 7 timings). Needs the `wabt` package (a devDependency). */
export async function measureWasmKernel(kind: WasmPeakKind): Promise<number> {
  const wabt = await (await loadWabt())();
  const mod = wabt.parseWat(`${kind}.wat`, kernel(kind), { simd: true, relaxed_simd: true });
  const { buffer } = mod.toBinary({});
  const inst = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(buffer)));
  const run = (inst.exports as { run: (n: number) => number }).run;
  const lanes = kind === 'scalar' ? 1 : 4;
  const iters = kind === 'scalar' ? ITERS / 4 : ITERS;
  run(1000);
  const times: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    run(iters);
    times.push(performance.now() - t0);
  }
  // per iteration: ACC multiply-adds of `lanes` lanes = 2·ACC·lanes flops (the y update not counted)
  return (2 * ACC * lanes * iters) / Math.min(...times) / 1e6;
}


/** GFLOP/s per thread of the three forms; the relaxed one in a child process with V8's flag (null when it cannot run). */
export async function measureWasmPeak(): Promise<WasmPeak & { relaxedError?: string }> {
  const simd128 = await measureWasmKernel('simd128');
  const scalar = await measureWasmKernel('scalar');
  let relaxedMadd: number | null = null;
  let relaxedError: string | undefined;
  try {
    relaxedMadd = await runBenchChild<number>({ task: 'wasmKernel', kind: 'relaxed' }, ['--experimental-wasm-relaxed-simd']);
  } catch (e) {
    relaxedError = (e as Error).message;
  }
  return { scalar, simd128, relaxedMadd, relaxedError };
}

/** A benchmark task of bench_child.ts. */
export type BenchTask =
  | { task: 'wasmKernel'; kind: WasmPeakKind }
  | { task: 'wasmPeak' }
  | { task: 'association'; options: import('./association.js').AssociationBenchOptions };

/**
 * Runs one task in a child process (its own heap, so its peak memory and V8 flags are its own)
 * and resolves with its result, sent back over IPC.
 */
export function runBenchChild<T>(task: BenchTask, execArgv: string[] = [], timeoutMs = 600_000): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    const child = forkModule(import.meta.url, 'bench_child', [], { stdio: ['ignore', 'ignore', 'pipe'], execArgv });
    let err = '';
    let got: { ok: true; value: T } | { ok: false; error: string } | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-2000); });
    child.on('message', (m: typeof got) => { got = m; });
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      if (got?.ok) return resolvePromise(got.value);
      reject(new Error(got && !got.ok ? got.error : `${task.task} child ${sig ? `killed by ${sig}` : `exited with ${code}`}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
    child.send(task);
  });
}
