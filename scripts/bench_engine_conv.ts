// Micro-benchmark of the conv gradient paths on the step net's shapes, alternating variants within
// each round so machine load affects all alike: `npx tsx scripts/bench_engine_conv.ts [--threads N]`.
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, exitEngine } from '../src/engine/index.js';
import { convGeometry, convInputGrad, convFilterGrad } from '../src/engine/conv_grad.js';

const CASES = [
  { name: 'conv2 s2 32→64 @32', x: [4, 32, 32, 32], w: [3, 3, 32, 64], s: 1 + 1, d: 1, pad: 1 },
  { name: 'conv3 d2 64→64 @16', x: [4, 16, 16, 64], w: [3, 3, 64, 64], s: 1, d: 2, pad: 2 },
  { name: 'bench d1 32→32 @64', x: [4, 64, 64, 32], w: [3, 3, 32, 32], s: 1, d: 1, pad: 1 },
  { name: 'bench d2 32→32 @64', x: [4, 64, 64, 32], w: [3, 3, 32, 32], s: 1, d: 2, pad: 2 },
];

async function main(): Promise<void> {
  const i = process.argv.indexOf('--threads');
  const info = await initEngine({ backend: 'wasm', threads: i > 0 ? Number(process.argv[i + 1]) : undefined });
  console.log(`wasm threads=${info.threads}`);
  for (const c of CASES) {
    const x = tf.randomNormal(c.x as [number, number, number, number]) as tf.Tensor4D;
    const w = tf.randomNormal(c.w as [number, number, number, number]) as tf.Tensor4D;
    const pad = [[0, 0], [c.pad, c.pad], [c.pad, c.pad], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]];
    const g = convGeometry(x.shape, w.shape, { strides: c.s, dilations: c.d, pad });
    const dy = tf.randomNormal([c.x[0], g.outH, g.outW, c.w[3]]) as tf.Tensor4D;
    const variants: Record<string, () => tf.Tensor> = {
      forward: () => tf.conv2d(x, w, c.s, pad, 'NHWC', c.d),
      inputGrad: () => convInputGrad(dy, w, x.shape, g),
      filterGrad: () => convFilterGrad(x, dy, w.shape, g),
    };
    const times: Record<string, number[]> = {};
    for (let round = 0; round < 20; round++) {
      for (const [k, f] of Object.entries(variants)) {
        const t0 = performance.now();
        const y = f(); y.dataSync(); y.dispose();
        if (round >= 2) (times[k] ??= []).push(performance.now() - t0);
      }
    }
    // min, not median: on a shared machine load only ever adds time
    const med = (a: number[]) => Math.min(...a);
    const f = med(times.forward);
    const flops = 2 * c.x[0] * g.outH * g.outW * c.w[0] * c.w[1] * c.w[2] * c.w[3];
    console.log(`${c.name.padEnd(22)} fwd min ${f.toFixed(2)} ms (${(flops / f / 1e6).toFixed(1)} GFLOP/s)  ` +
      Object.keys(variants).slice(1).map((k) => `${k} ${(med(times[k]) / f).toFixed(2)}×`).join('  '));
    tf.dispose([x, w, dy]);
  }
}
main().then(() => exitEngine(0), (e) => { console.error(e); exitEngine(1); });
