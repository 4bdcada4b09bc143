/**
 * The engine benchmark (`plca bench`, `npm run bench`): the training step of the engine's step net
 * (step_net.ts), convolution GFLOP/s forward and backward, the association similarity product,
 * peak RSS, the wasm arithmetic ceiling per thread (wasm_peak.ts) and the association at the
 * paper's 92×92 grid (association.ts) — the last two in child processes, so that their memory and
 * V8 flags are their own. Figures, never pass/fail: compare ratios measured in one run.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2d, initEngine, matmul, type EngineOptions } from '../engine/index.js';
import { convFilterGrad, convGeometry, convInputGrad } from '../engine/conv_grad.js';
import { createStepNet } from '../engine/step_net.js';
import type { AssociationBenchResult } from './association.js';
import { runBenchChild, type WasmPeak } from './wasm_peak.js';

export interface EngineBenchOptions {
  backend?: EngineOptions['backend'];
  threads?: number;
  /** timed training steps. @default 30 */
  steps?: number;
  /** @default true */
  association?: boolean;
  /** the wasm ceiling (wasm only). @default true */
  peak?: boolean;
  /** progress lines. @default none */
  log?: (line: string) => void;
}

export interface Timing { min: number; median: number }

export interface EngineBenchResult {
  backend: string;
  threads: number;
  simd: boolean;
  stepMs: Timing;
  convGflops: { d1: { forward: number; backward: number }; d2: { forward: number; backward: number } };
  similarityMs: number;
  similarityMsMin: number;
  peakRssMB: number;
  stepPeakRssMB: number;
  wasmPeakGflopsPerThread: WasmPeak | { note: string };
  association92: AssociationBenchResult | { note: string };
}

/** Min and median, rounded to 0.01. */
export function stats(ms: number[]): Timing {
  const s = [...ms].sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 100) / 100;
  return { min: r(s[0]), median: r(s[Math.floor(s.length / 2)]) };
}

/**
 * Times `fn` (which must read its result back) up to `reps` times after warm-up, stopping early
 * once `budgetMs` is spent (the cpu backend is ~100× slower than wasm).
 */
export function timeIt(fn: () => void, reps: number, warmup = 2, budgetMs = 20_000): number[] {
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

function benchStep(steps: number): Timing {
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

function benchSimilarity(reps: number): Timing {
  const a = tf.randomNormal([4, 4096, 64], 0, 1, 'float32', 6) as tf.Tensor3D;
  const b = tf.randomNormal([4, 64, 4096], 0, 1, 'float32', 7) as tf.Tensor3D;
  const ms = timeIt(() => { const s = matmul(a, b); s.dataSync(); s.dispose(); }, reps, 1);
  tf.dispose([a, b]);
  return stats(ms);
}

const note = (what: string, e: unknown) => ({ note: `${what} failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}` });

/** Runs the engine benchmark in this process (the extras in child processes); see EngineBenchOptions. */
export async function runEngineBench(o: EngineBenchOptions = {}): Promise<EngineBenchResult> {
  const log = o.log ?? (() => {});
  const info = await initEngine({ backend: o.backend ?? 'auto', threads: o.threads });
  log(`engine: ${info.backend}, ${info.threads} thread(s), simd ${info.simd}`);
  const stepMs = benchStep(o.steps ?? 30);
  // Peak RSS of the training step alone (the similarity product below adds its 256 MB output).
  const stepPeakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  log(`step net (batch 4, 64×64, 19 classes, SGD): min ${stepMs.min} ms, median ${stepMs.median} ms, peak RSS ${stepPeakRssMB} MB`);
  const d1 = benchConv(1, 10);
  const d2 = benchConv(2, 10);
  log(`conv [4,64,64,32]*[3,3,32,32] GFLOP/s: d1 fwd ${d1.forward} bwd ${d1.backward}; d2 fwd ${d2.forward} bwd ${d2.backward}`);
  const sim = benchSimilarity(5);
  log(`similarity [4,4096,64]x[4,64,4096]: min ${sim.min} ms, median ${sim.median} ms`);
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  log(`peak RSS ${peakRssMB} MB`);
  let peak: EngineBenchResult['wasmPeakGflopsPerThread'];
  if (o.peak === false) peak = { note: 'skipped (--skip-peak)' };
  else if (info.backend !== 'wasm') peak = { note: 'wasm only' };
  else peak = await runBenchChild<WasmPeak>({ task: 'wasmPeak' }, [], 120_000).catch((e: unknown) => note('wasm peak', e));
  log(`wasm arithmetic ceiling per thread (GFLOP/s): ${JSON.stringify(peak)}`);
  const assoc = o.association === false ? { note: 'skipped (--skip-association)' }
    : await runBenchChild<AssociationBenchResult>({ task: 'association', options: {} }).catch((e: unknown) => note('association92', e));
  log(`association92: ${JSON.stringify(assoc)}`);
  return {
    backend: info.backend, threads: info.threads, simd: info.simd, stepMs, convGflops: { d1, d2 },
    similarityMs: sim.median, similarityMsMin: sim.min, peakRssMB, stepPeakRssMB, wasmPeakGflopsPerThread: peak, association92: assoc,
  };
}
