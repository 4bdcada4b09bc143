// `node --import tsx scripts/check_engine_grads.ts [--part kernels|model|descent|all] [--model deeplabv2_resnet101]
//   [--crop 321] [--model-crop 65] [--steps 8] [--descent-backend wasm|cpu] [--samples 600] [--threads N] [--json]`
// Checks the wasm engine's convolution kernels and a whole model's gradients at the real shapes,
// where the unit tests use small ones:
// - kernels: every distinct convolution a forward pass of the model runs at `--crop` (recorded from
//   the Conv2D calls: 1×1, 3×3 stride 2, dilation 2 and 4, the ASPP dilations, the 7×7 stem), its
//   forward, input gradient and filter gradient on wasm against a float64 evaluation of the
//   definition at `--samples` random entries of each. Reports per shape the largest error relative
//   to the entry's Σ|terms| (what float32 summation can promise: ~1e-7·√K) and relative to the
//   largest |value| of that output.
// - model: the gradients of every parameter of one source-only step (CE, training-mode BN) at
//   `--model-crop`, wasm (plca's kernels) against TF.js's cpu backend (the conv gradients composed
//   from forward convolutions, conv_grad.ts): max |g_wasm − g_cpu| / max |g_cpu| per parameter.
// - descent: `--steps` SGD updates on one fixed batch on wasm (or `--descent-backend cpu`, to compare).
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../src/config/index.js';
import { convGeometry, type ConvGeometry } from '../src/engine/conv_geometry.js';
import { exitEngine, initEngine } from '../src/engine/index.js';
import { PlcaMethod } from '../src/method/index.js';
import { canonicalModelName, createModel } from '../src/models/index.js';
import { Sgd } from '../src/train/index.js';
import { SyntheticStream } from '../src/train/synthetic_stream.js';
import { accumulateGradients } from '../src/train/step.js';
import { mulberry32 } from '../src/util/rng.js';
import { arg, flag } from './bench_common.js';

const NUM_CLASSES = 19;
const JSON_OUT = flag('json');
const log = (s: string): void => { if (!JSON_OUT) console.log(s); };

interface ConvCall { x: number[]; w: number[]; attrs: tf.Conv2DAttrs; count: number }

/** The distinct Conv2D calls of one training-mode forward pass at crop × crop. */
function recordConvs(model: ReturnType<typeof createModel>, crop: number): ConvCall[] {
  const kernel = tf.getKernel(tf.Conv2D, 'wasm')!;
  const calls = new Map<string, ConvCall>();
  tf.unregisterKernel(tf.Conv2D, 'wasm');
  tf.registerKernel({
    ...kernel,
    kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => {
      const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const attrs = args.attrs as unknown as tf.Conv2DAttrs;
      const key = JSON.stringify([x.shape, filter.shape, attrs.strides, attrs.pad, attrs.dilations]);
      const c = calls.get(key);
      if (c) c.count++;
      else calls.set(key, { x: [...x.shape], w: [...filter.shape], attrs: { ...attrs }, count: 1 });
      return kernel.kernelFunc(args);
    }) as tf.KernelFunc,
  });
  try {
    tf.tidy(() => { model.apply(tf.randomNormal([1, crop, crop, 3], 0, 1, 'float32', 1) as tf.Tensor4D, { training: true, updateStats: false }); });
  } finally {
    tf.unregisterKernel(tf.Conv2D, 'wasm');
    tf.registerKernel(kernel);
  }
  return [...calls.values()];
}

function randomArray(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

/** Max errors over sampled entries: relative to Σ|terms| of the entry, and to max |reference|. */
interface Errors { relToTerms: number; relToMax: number; samples: number }

function errorsOf(got: Float32Array, ref: (i: number) => [number, number], samples: number, seed: number): Errors {
  const r = mulberry32(seed);
  let worstTerms = 0; let worstAbs = 0; let maxRef = 0;
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(r() * got.length);
    const [v, mag] = ref(i);
    const e = Math.abs(got[i] - v);
    worstAbs = Math.max(worstAbs, e);
    maxRef = Math.max(maxRef, Math.abs(v));
    if (mag > 0) worstTerms = Math.max(worstTerms, e / mag);
  }
  return { relToTerms: worstTerms, relToMax: maxRef > 0 ? worstAbs / maxRef : worstAbs, samples };
}

/** Forward, input-gradient and filter-gradient errors of one convolution on the current backend. */
function checkConv(c: ConvCall, samples: number, seed: number): { forward: Errors; inputGrad: Errors; filterGrad: Errors } {
  const [n, h, wd, ci] = c.x;
  const [kh, kw, , co] = c.w;
  const g: ConvGeometry = convGeometry(c.x, c.w, c.attrs);
  const { outH: oh, outW: ow } = g;
  const xs = randomArray(n * h * wd * ci, seed);
  const ws = randomArray(kh * kw * ci * co, seed + 1);
  const dys = randomArray(n * oh * ow * co, seed + 2);
  const [y, dx, dw] = tf.tidy(() => {
    const x = tf.tensor4d(xs, c.x as [number, number, number, number]);
    const w = tf.tensor4d(ws, c.w as [number, number, number, number]);
    const dy = tf.tensor4d(dys, [n, oh, ow, co]);
    const conv = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, c.attrs.strides, c.attrs.pad as 'same', 'NHWC', c.attrs.dilations);
    const yy = conv(x, w);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), dy)))([x, w]);
    return [yy, gx, gw];
  });
  const yv = y.dataSync() as Float32Array; const dxv = dx.dataSync() as Float32Array; const dwv = dw.dataSync() as Float32Array;
  tf.dispose([y, dx, dw]);
  const X = (b: number, yy: number, xx: number, cc: number) => xs[((b * h + yy) * wd + xx) * ci + cc];
  const W = (i: number, j: number, cc: number, o: number) => ws[((i * kw + j) * ci + cc) * co + o];
  const DY = (b: number, yy: number, xx: number, o: number) => dys[((b * oh + yy) * ow + xx) * co + o];
  const srcY = (o: number, i: number) => o * g.strideH - g.padTop + i * g.dilH;
  const srcX = (o: number, j: number) => o * g.strideW - g.padLeft + j * g.dilW;
  const forward = errorsOf(yv, (idx) => {
    const o = idx % co; const p = (idx - o) / co; const b = Math.floor(p / (oh * ow)); const r = p - b * oh * ow;
    const py = Math.floor(r / ow); const px = r - py * ow;
    let s = 0; let m = 0;
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const yy = srcY(py, i); const xx = srcX(px, j);
      if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
      for (let cc = 0; cc < ci; cc++) { const t = X(b, yy, xx, cc) * W(i, j, cc, o); s += t; m += Math.abs(t); }
    }
    return [s, m];
  }, samples, seed + 3);
  const inputGrad = errorsOf(dxv, (idx) => {
    const cc = idx % ci; const p = (idx - cc) / ci; const b = Math.floor(p / (h * wd)); const r = p - b * h * wd;
    const u = Math.floor(r / wd); const v = r - u * wd;
    let s = 0; let m = 0;
    for (let i = 0; i < kh; i++) {
      const qy = u + g.padTop - i * g.dilH;
      if (qy < 0 || qy % g.strideH !== 0 || qy / g.strideH >= oh) continue;
      for (let j = 0; j < kw; j++) {
        const qx = v + g.padLeft - j * g.dilW;
        if (qx < 0 || qx % g.strideW !== 0 || qx / g.strideW >= ow) continue;
        for (let o = 0; o < co; o++) { const t = DY(b, qy / g.strideH, qx / g.strideW, o) * W(i, j, cc, o); s += t; m += Math.abs(t); }
      }
    }
    return [s, m];
  }, samples, seed + 4);
  const filterGrad = errorsOf(dwv, (idx) => {
    const o = idx % co; let r = (idx - o) / co; const cc = r % ci; r = (r - cc) / ci; const j = r % kw; const i = (r - j) / kw;
    let s = 0; let m = 0;
    for (let b = 0; b < n; b++) for (let py = 0; py < oh; py++) {
      const yy = srcY(py, i);
      if (yy < 0 || yy >= h) continue;
      for (let px = 0; px < ow; px++) {
        const xx = srcX(px, j);
        if (xx < 0 || xx >= wd) continue;
        const t = X(b, yy, xx, cc) * DY(b, py, px, o); s += t; m += Math.abs(t);
      }
    }
    return [s, m];
  }, samples, seed + 5);
  return { forward, inputGrad, filterGrad };
}

const fmt = (e: Errors) => `${e.relToTerms.toExponential(1)} / ${e.relToMax.toExponential(1)}`;

async function partKernels(modelName: string, crop: number, samples: number) {
  const model = createModel(modelName, { numClasses: NUM_CLASSES, seed: 0 });
  const calls = recordConvs(model, crop);
  model.dispose();
  log(`${calls.length} distinct convolutions of ${modelName} at ${crop}²; errors per op: max over ${samples} sampled entries of |wasm − float64| / Σ|terms|, then / max|float64|`);
  const rows = [];
  let k = 0;
  for (const c of calls) {
    const e = checkConv(c, samples, 1000 + 10 * k++);
    const [kh, , ci, co] = c.w;
    const d = c.attrs.dilations ?? 1; const s = c.attrs.strides;
    const label = `${kh}×${kh} ${ci}→${co} x[${c.x.slice(1, 3).join('×')}] stride ${JSON.stringify(s)} dil ${JSON.stringify(d)} pad ${JSON.stringify(c.attrs.pad)} (×${c.count})`;
    log(`${label.padEnd(72)} fwd ${fmt(e.forward)}  dx ${fmt(e.inputGrad)}  dw ${fmt(e.filterGrad)}`);
    rows.push({ x: c.x, w: c.w, strides: s, dilations: d, pad: c.attrs.pad, count: c.count, ...e });
  }
  return rows;
}

function setup(modelName: string, crop: number, noise = 0.1) {
  const cfg = resolveConfig({ model: { name: modelName, numClasses: NUM_CLASSES }, method: { mode: 'source_only' }, train: { batchSize: 1, gradAccum: 1 } });
  const model = createModel(modelName, { numClasses: NUM_CLASSES, seed: 0 });
  const method = new PlcaMethod(model, cfg.method, 1);
  // A fresh stream per update: its first batch every time (one fixed batch).
  const source = () => new SyntheticStream({ seed: 1, batchSize: 1, height: crop, width: crop, numClasses: NUM_CLASSES, noise });
  return { cfg, model, method, source };
}

/** Per-parameter max|a − b| / max|b|: the median, the worst and the five largest. */
function compareGrads(a: Map<string, Float32Array>, b: Map<string, Float32Array>) {
  const perParam: Record<string, number> = {};
  for (const [n, gb] of b) {
    const ga = a.get(n)!;
    let d = 0; let m = 0;
    for (let i = 0; i < gb.length; i++) { d = Math.max(d, Math.abs(ga[i] - gb[i])); m = Math.max(m, Math.abs(gb[i])); }
    perParam[n] = m > 0 ? d / m : d;
  }
  const sorted = Object.entries(perParam).sort((x, y) => y[1] - x[1]);
  const median = sorted[Math.floor(sorted.length / 2)][1];
  return { params: sorted.length, median, worst: sorted[0][1], top: sorted.slice(0, 5).map(([n, r]) => ({ name: n, rel: r })) };
}

async function partModel(modelName: string, crop: number, threads?: number) {
  await initEngine({ backend: 'wasm', threads });
  const { model, method, source } = setup(modelName, crop);
  // The same step with the image noise scaled by 1 + 1e-5 (pixels move by ~1e-6, float32's
  // resolution): how much the gradients themselves move under rounding-size changes of the input.
  const perturbed = setup(modelName, crop, 0.1 * (1 + 1e-5)).source;
  const grads = async (src: () => SyntheticStream) => {
    const t0 = performance.now();
    const u = await accumulateGradients(method, { source: src() }, 1);
    const out = new Map<string, Float32Array>();
    for (const [n, g] of u.grads) { out.set(n, g.dataSync() as Float32Array); g.dispose(); }
    return { loss: u.loss, grads: out, ms: performance.now() - t0 };
  };
  const wasm = await grads(source);
  const wasmNoise = await grads(perturbed);
  await initEngine({ backend: 'cpu' });
  const cpu = await grads(source);
  model.dispose();
  const vsCpu = compareGrads(wasm.grads, cpu.grads);
  const vsNoise = compareGrads(wasmNoise.grads, wasm.grads);
  const show = (c: ReturnType<typeof compareGrads>) => `median ${c.median.toExponential(2)}, worst ${c.worst.toExponential(2)}; largest ${c.top.map((t) => `${t.name} ${t.rel.toExponential(2)}`).join(', ')}`;
  log(`${modelName} source-only step at ${crop}²: loss wasm ${wasm.loss.toFixed(6)}, cpu ${cpu.loss.toFixed(6)}, wasm with the input moved by ~1e-6 ${wasmNoise.loss.toFixed(6)} (${wasm.ms.toFixed(0)} / ${cpu.ms.toFixed(0)} ms)`);
  log(`per-parameter max|Δg| / max|g| over ${vsCpu.params} parameters:`);
  log(`  wasm vs cpu:                    ${show(vsCpu)}`);
  log(`  wasm vs wasm, input moved ~1e-6: ${show(vsNoise)}`);
  return { crop, lossWasm: wasm.loss, lossCpu: cpu.loss, lossPerturbed: wasmNoise.loss, wasmVsCpu: vsCpu, wasmVsPerturbed: vsNoise };
}

async function partDescent(modelName: string, crop: number, steps: number, threads?: number, backend: 'wasm' | 'cpu' = 'wasm') {
  await initEngine({ backend, threads });
  const { cfg, model, method, source } = setup(modelName, crop);
  const sgd = new Sgd({ momentum: cfg.optim.momentum, weightDecay: cfg.optim.weightDecay });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const u = await accumulateGradients(method, { source: source() }, 1);
    sgd.step(model.params, u.grads, () => cfg.optim.lr);
    for (const g of u.grads.values()) g.dispose();
    losses.push(u.loss);
  }
  model.dispose();
  sgd.dispose();
  log(`${steps} SGD updates (lr ${cfg.optim.lr}, momentum ${cfg.optim.momentum}) on one fixed batch at ${crop}², ${backend}: loss ${losses.map((l) => l.toFixed(4)).join(' → ')}`);
  return { crop, lr: cfg.optim.lr, losses, decreased: losses.at(-1)! < losses[0] };
}

async function main(): Promise<void> {
  const part = arg('part') ?? 'all';
  const modelName = canonicalModelName(arg('model') ?? 'deeplabv2_resnet101');
  const threads = arg('threads') ? Number(arg('threads')) : undefined;
  const modelCrop = Number(arg('model-crop') ?? 65);
  const out: Record<string, unknown> = {};
  if (part === 'kernels' || part === 'all') {
    const info = await initEngine({ backend: 'wasm', threads });
    log(`engine: ${info.backend}, ${info.threads} thread(s), kernels ${info.kernels}`);
    out.kernels = { engine: info, convs: await partKernels(modelName, Number(arg('crop') ?? 321), Number(arg('samples') ?? 600)) };
  }
  if (part === 'descent' || part === 'all') {
    out.descent = await partDescent(modelName, modelCrop, Number(arg('steps') ?? 8), threads, (arg('descent-backend') ?? 'wasm') as 'wasm');
  }
  if (part === 'model' || part === 'all') out.model = await partModel(modelName, modelCrop, threads);
  if (JSON_OUT) console.log(JSON.stringify(out));
}

main().then(() => exitEngine(0), (e: unknown) => { console.error(e); exitEngine(1); });
