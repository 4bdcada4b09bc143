/**
 * The one interface through which batches reach the trainer (src/train) and the method
 * (src/method). Datasets (loader.ts) and MiniCity (src/minicity) implement it. It lives here, in
 * the lowest module that makes batches, so that every user imports it downward. Tensors are NHWC.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** One training batch. The trainer disposes both tensors after its step. */
export interface Batch {
  /** Normalised float32 images, NHWC `[N, H, W, 3]`. */
  images: tf.Tensor4D;
  /** int32 train ids `[N, H, W]`, 255 = ignore. Absent for an unlabelled target batch. */
  labels?: tf.Tensor3D;
}

/** An endless, resumable source of batches. */
export interface BatchStream {
  /** The next batch; the caller owns (and disposes) its tensors. */
  next(): Promise<Batch>;
  /** JSON-serialisable position/RNG state, saved in checkpoints so a resumed run sees the same batches. */
  state(): unknown;
  /** Restores a state returned by `state()` (possibly from another process). */
  restore(s: unknown): void;
  /** Releases workers/files, if any. */
  close?(): Promise<void>;
}
