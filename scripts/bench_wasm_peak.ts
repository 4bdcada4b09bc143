// The arithmetic ceiling of WebAssembly SIMD on this machine, to put the engine's convolution
// speed in context ("wasm SIMD128 against oneDNN AVX-512"). One thread runs a
// register-blocked multiply-accumulate loop shaped like a GEMM micro-kernel (see `kernel`), in
// three forms:
//   - simd128:   f32x4.mul + f32x4.add (what tfjs-backend-wasm 4.22's XNNPACK build can use),
//   - relaxed:   f32x4.relaxed_madd, a fused multiply-add (relaxed SIMD; Node 20 needs
//                --experimental-wasm-relaxed-simd, on by default from V8 11.4 / Chrome 114),
//   - scalar:    f32 mul + add, for scale.
// `npx tsx scripts/bench_wasm_peak.ts [--json]` prints GFLOP/s per thread (min of 7 timings).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

// 4 × 2 register block: acc[i][j] += x_i · y_j. 8 accumulators + 6 operands fit x86-64's 16
// vector registers (V8 uses xmm0–15), so nothing spills; the y_j drift each iteration so nothing
// is loop-invariant.
const XS = 4;
const YS = 2;
const ACC = XS * YS;
const ITERS = 20_000_000;

function kernel(kind: 'simd128' | 'relaxed' | 'scalar'): string {
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

async function measure(kind: 'simd128' | 'relaxed' | 'scalar'): Promise<number> {
  const wabt = await wabtInit();
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

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  if (process.argv.includes('--child-relaxed')) {
    process.stdout.write(String(await measure('relaxed')));
    return;
  }
  const simd128 = await measure('simd128');
  const scalar = await measure('scalar');
  // relaxed SIMD needs a V8 flag on Node 20: measure it in a child with the flag.
  const child = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', fileURLToPath(import.meta.url), '--child-relaxed'], { encoding: 'utf8' });
  const relaxed = child.status === 0 ? Number(child.stdout.trim()) : null;
  const out = { threads: 1, gflopsPerThread: { scalar, simd128, relaxedMadd: relaxed }, relaxedError: child.status === 0 ? undefined : child.stderr.trim().split('\n').slice(-3).join(' | ') };
  if (json) {
    console.log(JSON.stringify(out));
  } else {
    console.log(`wasm peak, one thread, ${XS}×${YS} register block: scalar ${scalar.toFixed(1)} GFLOP/s, SIMD128 mul+add ${simd128.toFixed(1)}, relaxed FMA ${relaxed === null ? `unavailable (${out.relaxedError})` : relaxed.toFixed(1)}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
