// Profiles one training step of the engine's reference step net by kernel (tf.profile), summed
// over a few steps: `npx tsx scripts/bench_engine_profile.ts [--backend wasm] [--threads N] [--steps 5]`.
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, exitEngine } from '../src/engine/index.js';
import { createStepNet } from '../src/engine/step_net.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

async function main(): Promise<void> {
  const info = await initEngine({ backend: arg('backend', 'wasm') as 'wasm', threads: Number(arg('threads', '0')) || undefined });
  const steps = Number(arg('steps', '5'));
  const net = createStepNet();
  const x = tf.randomNormal([4, 64, 64, 3]) as tf.Tensor4D;
  const labels = tf.tidy(() => tf.cast(tf.mul(tf.randomUniform([4, 64, 64]), 19), 'int32')) as tf.Tensor3D;
  for (let i = 0; i < 3; i++) net.trainStep(x, labels, 0.01);
  const byKernel = new Map<string, { ms: number; n: number }>();
  let wall = 0;
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    const p = await tf.profile(() => { net.trainStep(x, labels, 0.01); });
    wall += performance.now() - t0;
    for (const k of p.kernels) {
      const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
      e.ms += Number(k.kernelTimeMs) || 0; e.n += 1;
      byKernel.set(k.name, e);
    }
  }
  const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((a, [, e]) => a + e.ms, 0);
  console.log(`${info.backend} threads=${info.threads}: ${(wall / steps).toFixed(1)} ms/step wall (profiled), kernels ${(total / steps).toFixed(1)} ms/step`);
  for (const [name, e] of rows.slice(0, 20)) {
    console.log(`${name.padEnd(24)} ${(e.ms / steps).toFixed(2).padStart(8)} ms/step  ${(e.n / steps).toFixed(0).padStart(4)} calls/step  ${(100 * e.ms / total).toFixed(1)}%`);
  }
  net.dispose(); tf.dispose([x, labels]);
}

main().then(() => exitEngine(0), (e) => { console.error(e); exitEngine(1); });
