// Profiles training steps by kernel (tf.profile), summed over a few steps. Default: the engine's
// reference step net; `--model NAME --crop S` profiles one source-only step of a registered network
// as the trainer runs it (CE on logits upsampled to the crop, gradients of every parameter, SGD).
//   npx tsx scripts/bench_engine_profile.ts [--backend wasm] [--threads N] [--steps 5] [--model NAME --crop S] [--top 25] [--json]
//     [--cpu-time]   time kernels by process CPU time instead of wall time: on a loaded machine a
//                    one-thread step's CPU time is what it costs, whatever else held the core
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../src/config/index.js';
import { initEngine, exitEngine } from '../src/engine/index.js';
import { createStepNet } from '../src/engine/step_net.js';
import { PlcaMethod } from '../src/method/index.js';
import { canonicalModelName, createModel } from '../src/models/index.js';
import { Sgd } from '../src/train/index.js';
import { SyntheticStream } from '../src/train/synthetic_stream.js';
import { accumulateGradients } from '../src/train/step.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

/** One step of the reference step net, or of a registered model (source-only, batch 1). */
function stepFunction(): { step: () => Promise<void>; dispose: () => void; what: string } {
  const name = arg('model', '');
  if (!name) {
    const net = createStepNet();
    const x = tf.randomNormal([4, 64, 64, 3]) as tf.Tensor4D;
    const labels = tf.tidy(() => tf.cast(tf.mul(tf.randomUniform([4, 64, 64]), 19), 'int32')) as tf.Tensor3D;
    return { step: async () => { net.trainStep(x, labels, 0.01); }, dispose: () => { net.dispose(); tf.dispose([x, labels]); }, what: 'step net, batch 4, 64²' };
  }
  const model = canonicalModelName(name);
  const crop = Number(arg('crop', '321'));
  const cfg = resolveConfig({ model: { name: model, numClasses: 19 }, method: { mode: 'source_only' }, train: { batchSize: 1, gradAccum: 1 } });
  const net = createModel(model, { numClasses: 19, seed: 0 });
  const method = new PlcaMethod(net, cfg.method, 1);
  const sgd = new Sgd({ momentum: cfg.optim.momentum, weightDecay: cfg.optim.weightDecay });
  const streams = { source: new SyntheticStream({ seed: 1, batchSize: 1, height: crop, width: crop, numClasses: 19, labels: true }) };
  return {
    step: async () => {
      const u = await accumulateGradients(method, streams, 1);
      sgd.step(net.params, u.grads, () => cfg.optim.lr);
      for (const g of u.grads.values()) g.dispose();
    },
    dispose: () => { net.dispose(); sgd.dispose(); },
    what: `${model} source-only step, batch 1, crop ${crop}²`,
  };
}

async function main(): Promise<void> {
  const info = await initEngine({ backend: arg('backend', 'wasm') as 'wasm', threads: Number(arg('threads', '0')) || undefined });
  const steps = Number(arg('steps', '5'));
  const top = Number(arg('top', '25'));
  const cpuTime = process.argv.includes('--cpu-time');
  if (cpuTime) {
    // the profiler times every kernel through backend.time
    (tf.backend() as unknown as { time(f: () => void): Promise<{ kernelMs: number }> }).time = async (f) => {
      const c0 = process.cpuUsage();
      f();
      const c = process.cpuUsage(c0);
      return { kernelMs: (c.user + c.system) / 1e3 };
    };
  }
  const s = stepFunction();
  const warm = Number(arg('warmup', arg('model', '') ? '1' : '3'));
  for (let i = 0; i < warm; i++) await s.step();
  const byKernel = new Map<string, { ms: number; n: number }>();
  let wall = 0;
  let cpu = 0;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const p = await tf.profile(s.step);
    wall += performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1e3;
    for (const k of p.kernels) {
      const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
      e.ms += Number(k.kernelTimeMs) || 0; e.n += 1;
      byKernel.set(k.name, e);
    }
  }
  const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((a, [, e]) => a + e.ms, 0);
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ what: s.what, backend: info.backend, threads: info.threads, kernels: info.kernels, wallMsPerStep: wall / steps, cpuMsPerStep: cpu / steps, timing: cpuTime ? 'cpu' : 'wall',
      kernelMsPerStep: total / steps, byKernel: Object.fromEntries(rows.map(([k, e]) => [k, { msPerStep: e.ms / steps, callsPerStep: e.n / steps }])) }));
  } else {
    console.log(`${s.what}; ${info.backend} threads=${info.threads} kernels=${info.kernels}: ${(wall / steps).toFixed(1)} ms/step wall, ${(cpu / steps).toFixed(1)} ms/step process CPU (profiled); kernels ${(total / steps).toFixed(1)} ms/step ${cpuTime ? 'CPU' : 'wall'}`);
    for (const [name, e] of rows.slice(0, top)) {
      console.log(`${name.padEnd(24)} ${(e.ms / steps).toFixed(2).padStart(9)} ms/step  ${(e.n / steps).toFixed(0).padStart(5)} calls/step  ${(100 * e.ms / total).toFixed(1)}%`);
    }
  }
  s.dispose();
}

main().then(() => exitEngine(0), (e) => { console.error(e); exitEngine(1); });
