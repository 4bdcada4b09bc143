// `npm run bench [-- --json] [--backend wasm|cpu|tensorflow|auto] [--threads N] [--steps 30] [--skip-association] [--skip-peak]`
// Engine benchmark: training step of the reference step net (docs/design/engine.md), conv
// GFLOP/s forward and backward, the association similarity product, peak RSS, and the losses'
// association benchmark (scripts/bench_association92.ts) run as a child process when present.
// With `--model NAME --crop S` it benchmarks that network's training step instead (scripts/bench_model.ts);
// `--compare` adds the PyTorch twin and the ratio (scripts/bench_model_compare.ts).
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, exitEngine, conv2d, matmul } from '../src/engine/index.js';
import { createStepNet } from '../src/engine/step_net.js';
import { REPO_ROOT } from '../src/util/fixtures.js';
import { convGeometry, convInputGrad, convFilterGrad } from '../src/engine/conv_grad.js';
import { arg, stats, wasmPeak as measureWasmPeak } from './bench_common.js';

const JSON_OUT = process.argv.includes('--json');
const log = (s: string): void => { if (!JSON_OUT) console.log(s); };

/**
 * Times `fn` (which must read its result back) up to `reps` times after warm-up, stopping early
 * once `budgetMs` is spent (the cpu backend is ~100× slower than wasm).
 */
function timeIt(fn: () => void, reps: number, warmup = 2, budgetMs = 20_000): number[] {
  const start = performance.now();
  for (let i = 0; i < warmup && performance.now() - start < budgetMs / 4; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < reps && (out.length === 0 || performance.now() - start < budgetMs); i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

function benchStep(steps: number): { min: number; median: number } {
  const net = createStepNet(19, 3, 32, 1);
  const x = tf.randomNormal([4, 64, 64, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const labels = tf.tidy(() => tf.cast(tf.mul(tf.randomUniform([4, 64, 64], 0, 1, 'float32', 2), 19), 'int32')) as tf.Tensor3D;
  const ms = timeIt(() => { net.trainStep(x, labels, 0.01); }, steps, 3);
  net.dispose();
  tf.dispose([x, labels]);
  return stats(ms);
}

/** GFLOP/s of NHWC [4,64,64,32] * [3,3,32,32] (pad = dilation, 'same' size), forward and backward (dx + dw). */
function benchConv(dilation: number, reps: number): { forward: number; backward: number } {
  const x = tf.randomNormal([4, 64, 64, 32], 0, 1, 'float32', 3) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 32, 32], 0, 0.1, 'float32', 4) as tf.Tensor4D;
  const dy = tf.randomNormal([4, 64, 64, 32], 0, 1, 'float32', 5) as tf.Tensor4D;
  const flops = 2 * 4 * 64 * 64 * 32 * 32 * 9;
  const opts = { dilation, pad: dilation };
  const g = convGeometry(x.shape, w.shape, { strides: 1, dilations: dilation, pad: [[0, 0], [dilation, dilation], [dilation, dilation], [0, 0]] });
  const fwd = timeIt(() => { const y = conv2d(x, w, opts); y.dataSync(); y.dispose(); }, reps);
  // The backward pass the registered Conv2D gradient runs: input and filter gradients.
  const bwd = timeIt(() => {
    const gx = convInputGrad(dy, w, x.shape, g); const gw = convFilterGrad(x, dy, w.shape, g);
    gx.dataSync(); gw.dataSync(); tf.dispose([gx, gw]);
  }, reps);
  tf.dispose([x, w, dy]);
  const r = (v: number) => Math.round(v * 10) / 10;
  return { forward: r(flops / stats(fwd).median / 1e6), backward: r(2 * flops / stats(bwd).median / 1e6) };
}

function benchSimilarity(reps: number): { min: number; median: number } {
  const a = tf.randomNormal([4, 4096, 64], 0, 1, 'float32', 6) as tf.Tensor3D;
  const b = tf.randomNormal([4, 64, 4096], 0, 1, 'float32', 7) as tf.Tensor3D;
  const ms = timeIt(() => { const s = matmul(a, b); s.dataSync(); s.dispose(); }, reps, 1);
  tf.dispose([a, b]);
  return stats(ms);
}

/** The losses' association benchmark, as a child process with the same backend and threads. */
function association92(): unknown {
  if (process.argv.includes('--skip-association')) return { note: 'skipped (--skip-association)' };
  const script = join(REPO_ROOT, 'scripts', 'bench_association92.ts');
  if (!existsSync(script)) return { note: 'scripts/bench_association92.ts not present' };
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, '--json'],
      { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    const lines = out.trim().split('\n');
    return JSON.parse(lines[lines.length - 1]) as unknown;
  } catch (e) {
    return { note: `bench_association92 failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** The wasm SIMD arithmetic ceiling per thread (scripts/bench_wasm_peak.ts), to read convGflops against. */
function wasmPeak(): unknown {
  if (process.argv.includes('--skip-peak')) return { note: 'skipped (--skip-peak)' };
  return measureWasmPeak();
}

async function main(): Promise<void> {
  const backend = (arg('backend') ?? 'auto') as 'auto';
  const threads = arg('threads') ? Number(arg('threads')) : undefined;
  const steps = Number(arg('steps') ?? 30);
  const info = await initEngine({ backend, threads });
  log(`engine: ${info.backend}, ${info.threads} thread(s), simd ${info.simd}`);
  const stepMs = benchStep(steps);
  // Peak RSS of the training step alone (the similarity product below adds its 256 MB output).
  const stepPeakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  log(`step net (batch 4, 64×64, 19 classes, SGD): min ${stepMs.min} ms, median ${stepMs.median} ms, peak RSS ${stepPeakRssMB} MB`);
  const d1 = benchConv(1, 10);
  const d2 = benchConv(2, 10);
  const convGflops = { d1, d2 };
  log(`conv [4,64,64,32]*[3,3,32,32] GFLOP/s: d1 fwd ${d1.forward} bwd ${d1.backward}; d2 fwd ${d2.forward} bwd ${d2.backward}`);
  const sim = benchSimilarity(5);
  log(`similarity [4,4096,64]x[4,64,4096]: min ${sim.min} ms, median ${sim.median} ms`);
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  log(`peak RSS ${peakRssMB} MB`);
  const peak = info.backend === 'wasm' ? wasmPeak() : { note: 'wasm only' };
  log(`wasm arithmetic ceiling per thread (GFLOP/s): ${JSON.stringify(peak)}`);
  const assoc = association92();
  log(`association92: ${JSON.stringify(assoc)}`);
  const result = {
    backend: info.backend, threads: info.threads, simd: info.simd, stepMs, convGflops,
    similarityMs: sim.median, similarityMsMin: sim.min, peakRssMB, stepPeakRssMB, wasmPeakGflopsPerThread: peak, association92: assoc,
  };
  if (JSON_OUT) console.log(JSON.stringify(result));
}

const run = process.argv.includes('--compare') ? async () => (await import('./bench_model_compare.js')).runCompare()
  : arg('model') !== undefined ? async () => (await import('./bench_model.js')).runModelBench() : main;
run().then(() => exitEngine(0), (e: unknown) => { console.error(e); exitEngine(1); });
