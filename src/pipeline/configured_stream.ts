// The wrapper between a config's inner batch stream (a file loader, or MiniCity) and the trainer.
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, BatchStream } from '../data/batch.js';

/** One turn of the event loop: setImmediate in Node; a macrotask elsewhere (a browser worker). */
const nextTurn = (): Promise<void> => new Promise<void>((resolve) => {
  if (typeof setImmediate === 'function') setImmediate(resolve);
  else setTimeout(resolve, 0);
});

/**
 * What the trainer sees of an inner stream: labels mapped through a train id → head LUT (or
 * dropped). State, restore and close are the inner stream's,
 * so checkpoints hold the loader's (or MiniCity's) own resumable position.
 */
export class ConfiguredStream implements BatchStream {
  private closed = false;

  constructor(readonly inner: BatchStream, private readonly opts: { lut: Int32Array | null; keepLabels: boolean }) {}

  async next(): Promise<Batch> {
    // One event-loop turn per batch: Node runs signal handlers (Ctrl-C → AbortSignal) only when
    // the loop turns, and in-memory streams (MiniCity) resolve as microtasks, so without this an
    // interrupt would go unseen until the run ends. It costs microseconds.
    await nextTurn();
    const b = await this.inner.next();
    const { lut, keepLabels } = this.opts;
    const out: Batch = { images: b.images };
    if (b.labels && keepLabels) {
      out.labels = lut ? tf.tidy(() => tf.gather(tf.tensor1d(lut, 'int32'), b.labels!) as tf.Tensor as tf.Tensor3D) : b.labels; // [N, H, W]
      if (lut) b.labels.dispose();
    } else {
      b.labels?.dispose(); // a target batch: its labels must never reach training
    }
    return out;
  }

  state(): unknown {
    return this.inner.state();
  }

  restore(s: unknown): void {
    this.inner.restore(s);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.inner.close?.();
  }
}
