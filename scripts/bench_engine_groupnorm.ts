// GroupNorm forward+backward on wasm (plain autodiff formula vs the engine's `groupNorm`, alternated
// within each round so load affects both alike) and one `minicity_gn` training update (CE, batch 4
// at 64×128): `npx tsx scripts/bench_engine_groupnorm.ts [--threads N] [--rounds R]`. Reports min ms.
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, exitEngine, groupNorm, softmaxCrossEntropy } from '../src/engine/index.js';
import { createModel } from '../src/models/index.js';

/** The plain formula (tf.moments + ops, autodiff gradient): the pre-closed-form implementation. */
function groupNormPlain(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, eps = 1e-5): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    const g = tf.reshape(x, [n, h, w, groups, c / groups]);
    const { mean, variance } = tf.moments(g, [1, 2, 4], true);
    const norm = tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(tf.reshape(norm, [n, h, w, c]), gamma), beta) as tf.Tensor4D;
  });
}

const arg = (k: string, d: number) => { const i = process.argv.indexOf(k); return i > 0 ? Number(process.argv[i + 1]) : d; };
const min = (a: number[]) => Math.min(...a);

async function main(): Promise<void> {
  const info = await initEngine({ backend: 'wasm', threads: arg('--threads', 1) });
  const rounds = arg('--rounds', 12);
  console.log(`wasm threads=${info.threads} rounds=${rounds}`);
  for (const shape of [[4, 32, 64, 48], [4, 16, 32, 96]] as Array<[number, number, number, number]>) {
    const c = shape[3];
    const x = tf.randomNormal(shape) as tf.Tensor4D;
    const dy = tf.randomNormal(shape);
    const gamma = tf.randomUniform([c], 0.5, 1.5) as tf.Tensor1D;
    const beta = tf.randomNormal([c]) as tf.Tensor1D;
    const variants = { plain: groupNormPlain, engine: groupNorm };
    const times: Record<string, number[]> = {};
    for (let r = 0; r < rounds + 2; r++) {
      for (const [k, f] of Object.entries(variants)) {
        const t0 = performance.now();
        const gs = tf.grads((a, b, d) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor1D, d as tf.Tensor1D, 8), dy)))([x, gamma, beta]);
        for (const g of gs) g.dataSync();
        tf.dispose(gs);
        if (r >= 2) (times[k] ??= []).push(performance.now() - t0);
      }
    }
    console.log(`gn fwd+bwd [${shape}] g8: plain ${min(times.plain).toFixed(2)} ms, engine ${min(times.engine).toFixed(2)} ms, ` +
      `engine/plain ${(min(times.engine) / min(times.plain)).toFixed(3)}`);
    tf.dispose([x, dy, gamma, beta]);
  }
  const model = createModel('minicity_gn', { numClasses: 9, seed: 0 });
  const x = tf.randomNormal([4, 64, 128, 3]) as tf.Tensor4D;
  const [, fh, fw] = tf.tidy(() => model.apply(tf.zeros([1, 64, 128, 3]) as tf.Tensor4D, { training: false }).logits.shape);
  const labels = tf.randomUniform([4, fh, fw], 0, 9, 'int32') as tf.Tensor3D;
  const vars = [...model.params.values()];
  const t: number[] = [];
  for (let r = 0; r < rounds + 2; r++) {
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy(model.apply(x, { training: true }).logits, labels), vars);
    value.dataSync();
    for (const g of Object.values(grads)) g.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
    if (r >= 2) t.push(performance.now() - t0);
  }
  const sorted = [...t].sort((a, b) => a - b);
  console.log(`minicity_gn update (CE, 4×64×128): min ${min(t).toFixed(1)} ms, median ${sorted[sorted.length >> 1].toFixed(1)} ms`);
}
main().then(() => exitEngine(0), (e) => { console.error(e); exitEngine(1); });
