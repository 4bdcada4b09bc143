/**
 * The memory-bounded association at the paper's grid: batch 1, C = 2048, 92×92 (8464 pixels a
 * side), forward and backward (Eq. 1–4 with the spatial aggregation of Eq. 7–8). Run it in a
 * child process (`runBenchChild`) so that its peak RSS is its own.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../engine/index.js';
import { associationLoss, defaultBlockRows, type BlockRows } from '../losses/index.js';

export interface AssociationBenchOptions {
  /** grid side. @default 92 */
  size?: number;
  /** feature channels. @default 2048 */
  channels?: number;
  /** @default 'cos' */
  metric?: 'cos' | 'kl';
  /** target spatial aggregation. @default true */
  spagg?: boolean;
  /** @default 'auto' */
  blockRows?: BlockRows;
  /** dense autodiff path vs the blocked path at the same size, in one run: a ratio */
  compare?: boolean;
}

export type AssociationBenchResult =
  | { ms: number; peakRssMB: number; loss: number; backend: string; threads: number }
  | { size: number; channels: number; denseMs: number; blockedMs: number; ratio: number; lossDense: number; lossBlocked: number };

export async function benchAssociation(o: AssociationBenchOptions = {}): Promise<AssociationBenchResult> {
  const size = o.size ?? 92;
  const channels = o.channels ?? 2048;
  const metric = o.metric ?? 'cos';
  const spagg = o.spagg ?? true;
  const blockRows = o.blockRows ?? 'auto';
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
  try {
    if (o.compare) {
      const rows = blockRows === 'auto' || blockRows === 'none' ? defaultBlockRows(size * size) : blockRows;
      run('none'); run(rows); // warm-up: kernel set-up and wasm heap growth are not part of the ratio
      const dense = run('none');
      const blocked = run(rows);
      return { size, channels, denseMs: Math.round(dense.ms), blockedMs: Math.round(blocked.ms),
        ratio: +(blocked.ms / dense.ms).toFixed(2), lossDense: dense.loss, lossBlocked: blocked.loss };
    }
    const { ms, loss } = run(blockRows);
    return { ms: Math.round(ms), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), loss, backend: info.backend, threads: info.threads };
  } finally {
    tf.dispose([featS, featT, labelS, xs, xt]);
  }
}
