// Benchmark of the memory-bounded association at the paper's grid: batch 1, C = 2048, 92×92
// (8464 pixels a side), forward and backward, on wasm. `--json` prints {ms, peakRssMB}.
// Usage: tsx scripts/bench_association92.ts [--json] [--size 92] [--channels 2048]
//        [--metric cos|kl] [--no-spagg] [--block-rows N]
//        [--compare]  (dense autodiff path vs the blocked path at the given size, in one run: a ratio)
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/engine/index.js';
import { associationLoss, type BlockRows } from '../src/losses/index.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const size = Number(arg('size', '92'));
  const channels = Number(arg('channels', '2048'));
  const metric = arg('metric', 'cos') as 'cos' | 'kl';
  const spagg = !process.argv.includes('--no-spagg');
  const br = arg('block-rows', 'auto');
  const blockRows: BlockRows = br === 'auto' || br === 'none' ? br : Number(br);
  const info = await initEngine({ backend: 'wasm' });
  const shape: [number, number, number, number] = [1, size, size, channels];
  const featS = tf.randomNormal(shape, 0, 1, 'float32', 1) as tf.Tensor4D;
  const featT = tf.randomNormal(shape, 0, 1, 'float32', 2) as tf.Tensor4D;
  // eight horizontal bands of classes, so that some cycles are positive
  const lab = new Int32Array(size * size).map((_, k) => Math.floor((Math.floor(k / size) * 8) / size));
  const labelS = tf.tensor3d(lab, [1, size, size], 'int32');
  const xs = metric === 'kl' ? (tf.softmax(featS) as tf.Tensor4D) : featS;
  const xt = metric === 'kl' ? (tf.softmax(featT) as tf.Tensor4D) : featT;
  const run = (rows: BlockRows) => {
    const t0 = performance.now();
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) =>
      associationLoss(a as tf.Tensor4D, b as tf.Tensor4D, labelS, { metric, spagg, blockRows: rows }).loss)([xs, xt]);
    grads.forEach((g) => g.dataSync());
    const ms = performance.now() - t0;
    const loss = value.dataSync()[0];
    tf.dispose([value, ...grads]);
    return { ms, loss };
  };
  if (process.argv.includes('--compare')) {
    const rows = blockRows === 'auto' || blockRows === 'none' ? Math.max(1, Math.floor((1 << 21) / (size * size))) : blockRows;
    run('none'); run(rows); // warm-up: kernel set-up and wasm heap growth are not part of the ratio
    const dense = run('none');
    const blocked = run(rows);
    console.log(JSON.stringify({ size, channels, denseMs: Math.round(dense.ms), blockedMs: Math.round(blocked.ms),
      ratio: +(blocked.ms / dense.ms).toFixed(2), lossDense: dense.loss, lossBlocked: blocked.loss }));
    return;
  }
  const { ms, loss } = run(blockRows);
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  tf.dispose([featS, featT, labelS, xs, xt]);
  if (json) {
    console.log(JSON.stringify({ ms: Math.round(ms), peakRssMB: Math.round(peakRssMB) }));
  } else {
    console.log(`association ${size}x${size}, C=${channels}, metric=${metric}, spagg=${spagg}, blockRows=${blockRows}, ` +
      `backend=${info.backend} threads=${info.threads}: ${ms.toFixed(0)} ms forward+backward, peak RSS ${peakRssMB.toFixed(0)} MB, loss ${loss.toFixed(4)}`);
  }
}

main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
