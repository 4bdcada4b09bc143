// The arithmetic ceiling of WebAssembly SIMD on this machine (src/bench/wasm_peak.ts): GFLOP/s per
// thread of a GEMM-like multiply-accumulate loop, scalar, SIMD128 mul+add and relaxed FMA.
// `npx tsx scripts/bench_wasm_peak.ts [--json]` (min of 7 timings each).
import { measureWasmPeak } from '../src/bench/index.js';

const out = { threads: 1, ...(await (async () => { const p = await measureWasmPeak(); return { gflopsPerThread: { scalar: p.scalar, simd128: p.simd128, relaxedMadd: p.relaxedMadd }, relaxedError: p.relaxedError }; })()) };
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(out));
} else {
  const g = out.gflopsPerThread;
  console.log(`wasm peak, one thread, 4×2 register block: scalar ${g.scalar.toFixed(1)} GFLOP/s, SIMD128 mul+add ${g.simd128.toFixed(1)}, relaxed FMA ${g.relaxedMadd === null ? `unavailable (${out.relaxedError})` : g.relaxedMadd.toFixed(1)}`);
}
