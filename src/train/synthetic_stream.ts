/**
 * A seeded, resumable stream of generated segmentation batches: each image is a few
 * axis-aligned rectangles of random classes over a background class, every class drawn in its
 * own colour plus noise. Batch i depends only on (seed, i), so the state is the counter and a
 * restored stream continues with bit-identical batches. Internal, for tests and benchmarks: not
 * part of the public API (import it from this file).
 */
import * as tf from '@tensorflow/tfjs-core';
import { PlcaError } from '../util/errors.js';
import type { Batch, BatchStream } from '../data/batch.js';
import { mulberry32 } from '../util/rng.js';

export interface SyntheticStreamOptions {
  /** @default 0 */ seed?: number;
  batchSize: number;
  height: number;
  width: number;
  numClasses: number;
  /** Include labels (source) or not (target). @default true */
  labels?: boolean;
  /** Added to every pixel, to make a "domain shift" between two streams. @default 0 */
  shift?: number;
  /** Noise amplitude. @default 0.1 */
  noise?: number;
}

interface SyntheticState { kind: 'synthetic'; seed: number; index: number }



/** A fixed colour per class, spread over the RGB cube, in [-1, 1]. */
function classColour(c: number): [number, number, number] {
  const r = mulberry32(1000 + c);
  return [r() * 2 - 1, r() * 2 - 1, r() * 2 - 1];
}

export class SyntheticStream implements BatchStream {
  private index = 0;
  private readonly seed: number;

  constructor(private readonly o: SyntheticStreamOptions) {
    this.seed = o.seed ?? 0;
  }

  async next(): Promise<Batch> {
    const { batchSize: n, height: h, width: w, numClasses: k } = this.o;
    const r = mulberry32(Math.imul(this.seed + 1, 0x9e3779b1) ^ Math.imul(this.index + 1, 0x85ebca6b));
    this.index += 1;
    const img = new Float32Array(n * h * w * 3);
    const lab = new Int32Array(n * h * w);
    for (let b = 0; b < n; b++) this.paint(r, lab.subarray(b * h * w, (b + 1) * h * w));
    const noise = this.o.noise ?? 0.1;
    const shift = this.o.shift ?? 0;
    const colours = Array.from({ length: k }, (_, c) => classColour(c));
    for (let p = 0; p < n * h * w; p++) {
      for (let ch = 0; ch < 3; ch++) img[p * 3 + ch] = colours[lab[p]][ch] + shift + noise * (r() * 2 - 1);
    }
    const images = tf.tensor4d(img, [n, h, w, 3]);
    return this.o.labels === false ? { images } : { images, labels: tf.tensor3d(lab, [n, h, w], 'int32') };
  }

  private paint(r: () => number, lab: Int32Array): void {
    const { height: h, width: w, numClasses: k } = this.o;
    lab.fill(Math.floor(r() * k));
    for (let q = 0; q < 3; q++) {
      const c = Math.floor(r() * k);
      const y0 = Math.floor(r() * h), x0 = Math.floor(r() * w);
      const y1 = Math.min(h, y0 + 1 + Math.floor(r() * h / 2)), x1 = Math.min(w, x0 + 1 + Math.floor(r() * w / 2));
      for (let y = y0; y < y1; y++) lab.fill(c, y * w + x0, y * w + x1);
    }
  }

  state(): SyntheticState {
    return { kind: 'synthetic', seed: this.seed, index: this.index };
  }

  restore(s: unknown): void {
    const st = s as Partial<SyntheticState> | null;
    if (st === null || typeof st !== 'object' || st.kind !== 'synthetic' || st.seed !== this.seed || !Number.isInteger(st.index)) {
      throw new PlcaError('PLCA_CHECKPOINT_INVALID', `SyntheticStream.restore: state ${JSON.stringify(s)} is not a state of this stream (seed ${this.seed})`);
    }
    this.index = st.index!;
  }
}

/**
 * The tiny labelled source / unlabelled, shifted target pair that the trainer's tests run on
 * (16×16, batch 1, seeds 1 and 2, target shift 0.4): fresh streams at their start on every call.
 */
export function syntheticDomains(numClasses: number): { source: SyntheticStream; target: SyntheticStream } {
  return {
    source: new SyntheticStream({ batchSize: 1, height: 16, width: 16, numClasses, seed: 1 }),
    target: new SyntheticStream({ batchSize: 1, height: 16, width: 16, numClasses, seed: 2, shift: 0.4, labels: false }),
  };
}
