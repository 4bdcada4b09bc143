// `npm run bench -- --model NAME --crop S [--batch N] [--objective source|plca] [--backend B]
//   [--threads T] [--kernels relaxed-simd|simd128|stock] [--steps 3] [--warmup 1] [--recompute auto|off|blocks|segments] [--skip-peak] [--json]`
// One training step of a registered network, exactly as the trainer runs it (src/train/step.ts:
// batches from a stream, PlcaMethod's forward in training mode and gradients of every parameter,
// then the SGD update): `source` is CE on logits upsampled to the crop (method.mode source_only),
// `plca` is the full objective of Eq. (14) on a source and a target batch (method.mode plca).
// Prints step time (min, median), the step's convolution GFLOP and GFLOP/s beside the wasm
// ceiling (scripts/bench_wasm_peak.ts × threads) of the kernels in use, and the process's peak RSS.
// `--kernels` forces plca's wasm kernels (as PLCA_KERNELS does): `simd128` measures the fallback
// for runtimes without relaxed SIMD on a machine that has it. PyTorch twin:
// scripts/bench_model_torch.py; both with the ratio: scripts/bench_model_compare.ts.
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../src/config/index.js';
import { initEngine, exitEngine, type BackendName } from '../src/engine/index.js';
import { PlcaMethod } from '../src/method/index.js';
import {
  canonicalModelName, convGflop, createModel, modelConvs, modelInfo, RECOMPUTE_SETTINGS, type RecomputeSetting,
} from '../src/models/index.js';
import { Sgd } from '../src/train/index.js';
import { SyntheticStream } from '../src/train/synthetic_stream.js';
import { accumulateGradients } from '../src/train/step.js';
import { arg, flag, peakRssMB, stats, wasmPeak, type WasmPeak } from './bench_common.js';

const NUM_CLASSES = 19;

interface ModelBenchOptions {
  model: string; crop: number; batch: number; objective: 'source' | 'plca';
  backend: BackendName; threads?: number; kernels?: string; steps: number; warmup: number; json: boolean; skipPeak: boolean;
  recompute: RecomputeSetting;
}

function options(): ModelBenchOptions {
  const objective = arg('objective') ?? 'source';
  if (objective !== 'source' && objective !== 'plca') throw new Error(`--objective must be source or plca, got ${objective}`);
  const crop = Number(arg('crop') ?? 321);
  const int = (name: string, dflt: number, min: number) => {
    const v = Number(arg(name) ?? dflt);
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${arg(name)}`);
    return v;
  };
  const recompute = (arg('recompute') ?? 'auto') as RecomputeSetting;
  if (!RECOMPUTE_SETTINGS.includes(recompute)) throw new Error(`--recompute must be one of ${RECOMPUTE_SETTINGS.join(', ')}, got ${recompute}`);
  if (!Number.isInteger(crop) || crop < 33) throw new Error(`--crop must be an integer ≥ 33, got ${arg('crop')}`);
  return {
    model: canonicalModelName(arg('model')!), crop, batch: int('batch', 1, 1), objective,
    backend: (arg('backend') ?? 'auto') as BackendName, threads: arg('threads') ? int('threads', 1, 1) : undefined, kernels: arg('kernels'),
    steps: int('steps', 3, 1), warmup: int('warmup', 1, 0), json: flag('json'), skipPeak: flag('skip-peak'), recompute,
  };
}

/** The wasm heap's current size in MB (it only grows), or null on other backends. */
function wasmHeapMB(): number | null {
  const b = tf.backend() as unknown as { wasm?: { wasmMemory?: WebAssembly.Memory; HEAPU8?: Uint8Array } };
  const bytes = b.wasm?.wasmMemory?.buffer.byteLength ?? b.wasm?.HEAPU8?.buffer.byteLength;
  return bytes === undefined ? null : Math.round(bytes / 2 ** 20);
}

export async function runModelBench(): Promise<void> {
  const o = options();
  const log = (s: string): void => { if (!o.json) console.log(s); };
  // read by the engine when it starts (src/engine/kernels/loader.ts validates the value)
  if (o.kernels !== undefined) process.env.PLCA_KERNELS = o.kernels;
  const info = await initEngine({ backend: o.backend, threads: o.threads });
  const cfg = resolveConfig({
    model: { name: o.model, numClasses: NUM_CLASSES },
    method: { mode: o.objective === 'plca' ? 'plca' : 'source_only' },
    train: { batchSize: o.batch, gradAccum: 1 },
  });
  const model = createModel(o.model, { numClasses: NUM_CLASSES, seed: 0 });
  const method = new PlcaMethod(model, cfg.method, 1, { recompute: o.recompute });
  const recomputeMode = method.recomputeMode(o.batch * o.crop * o.crop * method.tapedForwards);
  const sgd = new Sgd({ momentum: cfg.optim.momentum, weightDecay: cfg.optim.weightDecay });
  const stream = (seed: number, labels: boolean) => new SyntheticStream({ seed, batchSize: o.batch, height: o.crop, width: o.crop, numClasses: NUM_CLASSES, labels, shift: labels ? 0 : 0.3 });
  const streams = { source: stream(1, true), target: method.needsTarget ? stream(2, false) : undefined };
  const grid = modelInfo(o.model, { numClasses: NUM_CLASSES, inputSize: o.crop }).featureGrid;
  const domains = method.needsTarget ? 2 : 1;
  const gflop = convGflop(modelConvs(o.model, { numClasses: NUM_CLASSES, inputSize: o.crop }), o.batch * domains);
  log(`engine: ${info.backend}, ${info.threads} thread(s), simd ${info.simd}, kernels ${info.kernels}; ${o.model} ${o.objective} step, batch ${o.batch}${domains === 2 ? ' per domain' : ''}, crop ${o.crop}² (grid ${grid.join('×')}), ${gflop.step.toFixed(1)} GFLOP of convolutions, recompute ${recomputeMode}`);

  const losses: number[] = [];
  const cpuMs: number[] = [];
  const step = async (): Promise<number> => {
    const t0 = performance.now();
    // CPU time of the whole process (all threads): steadier than wall time on a loaded machine
    const c0 = process.cpuUsage();
    const u = await accumulateGradients(method, streams, 1);
    sgd.step(model.params, u.grads, () => cfg.optim.lr);
    for (const g of u.grads.values()) g.dispose();
    losses.push(u.loss);
    const c = process.cpuUsage(c0);
    cpuMs.push((c.user + c.system) / 1e3);
    return performance.now() - t0;
  };
  for (let i = 0; i < o.warmup; i++) log(`warm-up step: ${(await step()).toFixed(0)} ms, peak RSS ${peakRssMB()} MB`);
  // live tensors beyond the model and the momentum buffers (created by the first update)
  const live = () => tf.memory().numTensors - sgd.state().size;
  const tensorsBefore = live();
  const ms: number[] = [];
  for (let i = 0; i < o.steps; i++) {
    ms.push(await step());
    log(`step ${i + 1}/${o.steps}: ${ms[i].toFixed(0)} ms, peak RSS ${peakRssMB()} MB`);
  }
  const tensorsLeaked = live() - tensorsBefore;
  const peakRss = peakRssMB();
  const heap = wasmHeapMB();
  model.dispose();
  sgd.dispose();
  const stepMs = stats(ms);
  const stepCpuMs = stats(cpuMs.slice(o.warmup));
  const gflops = Math.round((gflop.step / (stepMs.min / 1e3)) * 10) / 10;
  const peak = info.backend !== 'wasm' ? { note: 'wasm only' } : o.skipPeak ? { note: 'skipped (--skip-peak)' } : await wasmPeak();
  const ceiling = 'simd128' in peak ? ceilingOf(peak as WasmPeak, info.threads, gflops, info.kernels) : peak;
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  const result = {
    model: o.model, crop: o.crop, batch: o.batch, objective: o.objective, backend: info.backend, threads: info.threads, simd: info.simd, kernels: info.kernels,
    grid, recompute: recomputeMode, steps: o.steps, warmup: o.warmup, stepMs, stepCpuMs, peakRssMB: peakRss, wasmHeapMB: heap,
    gflop: r3(gflop.step), forwardGflop: r3(gflop.forward), gflopPerS: gflops, ceiling,
    loss: { first: losses[0], last: losses.at(-1), all: losses.map((l) => Math.round(l * 1e4) / 1e4) }, tensorsLeaked,
  };
  log(`step min ${stepMs.min} ms, median ${stepMs.median} ms; ${gflops} GFLOP/s (min step); peak RSS ${peakRss} MB${heap === null ? '' : `, wasm heap ${heap} MB`}`);
  log(`wasm ceiling at ${info.threads} thread(s): ${JSON.stringify(ceiling)}`);
  if (o.json) console.log(JSON.stringify(result));
}

/**
 * The ceiling for `threads` threads and the step's share of it; `inUse` is the ceiling of the
 * kernels the step ran (relaxed-SIMD FMA for `relaxed-simd`, SIMD128 for `simd128` and for tfjs's
 * stock XNNPACK build, which is SIMD128).
 */
function ceilingOf(p: WasmPeak, threads: number, gflops: number, kernels: string) {
  const r = (v: number) => Math.round(v * 10) / 10;
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  const simd128 = r(p.simd128 * threads);
  const relaxedMadd = p.relaxedMadd === null ? null : r(p.relaxedMadd * threads);
  const relaxed = kernels === 'relaxed-simd' && relaxedMadd !== null;
  return {
    gflopsPerThread: p, simd128, relaxedMadd,
    fractionOfSimd128: r3(gflops / simd128),
    fractionOfRelaxedMadd: relaxedMadd === null ? null : r3(gflops / relaxedMadd),
    inUse: { kernels, ceiling: relaxed ? 'relaxedMadd' : 'simd128', gflops: relaxed ? relaxedMadd : simd128, fraction: r3(gflops / (relaxed ? relaxedMadd! : simd128)) },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runModelBench().then(() => exitEngine(0), (e: unknown) => { console.error(e); exitEngine(1); });
}
