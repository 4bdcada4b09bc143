/**
 * A training `BatchStream` over a generated MiniCity set: a fresh random order each epoch,
 * random horizontal flips, photometric augmentation when asked (source streams), normalisation (x·scale − mean)/std per channel — (x/255 − 0.5)/0.25 by
 * default — and labels only when asked (target batches carry none into training).
 * Everything random comes from one seeded `Rng`, so `state()`/`restore()` resume exactly.
 * Tensors are NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, BatchStream } from '../data/batch.js';
import { photometric, photometricActive, type PhotometricOptions } from '../data/photometric.js';
import { PlcaError } from '../util/errors.js';
import { Rng, isRngState, type RngState } from '../util/rng.js';
import type { MiniCitySet } from './generator.js';

export interface MiniCityStreamOptions {
  /** @default 4 */
  batchSize?: number;
  /** Seed of the order and flips. @default 0 */
  seed?: number;
  /** Random horizontal flip with probability 1/2. @default true */
  flip?: boolean;
  /**
   * Per-channel (x·scale − mean)/std, channels reversed first for 'bgr' (a config's
   * `data.normalization` fits), or false for x/255. @default {scale: 1/255, mean: 0.5, std: 0.25}
   */
  normalize?: MiniCityNormalization | false;
  /** Attach int32 train-id labels. @default true */
  withLabels?: boolean;
  /** Photometric augmentation of each image (src/data/photometric.ts), drawn from the stream's Rng. @default none */
  photometric?: PhotometricOptions;
}

/** The normalisation of `MiniCityStreamOptions.normalize`; numbers apply to all three channels. */
export interface MiniCityNormalization {
  /** @default 'rgb' */
  channelOrder?: 'rgb' | 'bgr';
  /** @default 1/255 */
  scale?: number;
  mean: number | readonly [number, number, number];
  std: number | readonly [number, number, number];
}

/**
 * Per channel, the normalised value of each byte 0..255, in the order the net sees the channels.
 * As data/transforms.ts `normalizeImage`, x·(scale/std) + (−mean/std), so that a generated
 * image and the same image read from a file normalise to the same bits.
 */
export function normalizationTables(n: MiniCityNormalization | false): { luts: [Float32Array, Float32Array, Float32Array]; source: [number, number, number] } {
  const spec = n === false ? { scale: 1 / 255, mean: 0, std: 1 } : n;
  const scale = spec.scale ?? 1 / 255;
  const per = (v: number | readonly number[], c: number) => (typeof v === 'number' ? v : v[c]);
  const luts = [0, 1, 2].map((c) => {
    const std = per(spec.std, c);
    const mean = per(spec.mean, c);
    if (!(std > 0) || !Number.isFinite(mean) || !(scale > 0)) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `MiniCity stream: normalize.std must be > 0 (and scale > 0, mean finite), got ${JSON.stringify(n)}`);
    }
    const a = scale / std;
    const b = -mean / std;
    return Float32Array.from({ length: 256 }, (_, v) => v * a + b);
  }) as [Float32Array, Float32Array, Float32Array];
  const bgr = n !== false && n.channelOrder === 'bgr';
  return { luts, source: bgr ? [2, 1, 0] : [0, 1, 2] };
}

/** What `state()` returns: enough to replay the current epoch's order and continue the flips. */
export interface MiniCityStreamState {
  kind: 'minicity';
  count: number;
  epoch: number;
  pos: number;
  epochRng: RngState;
  rng: RngState;
}

export class MiniCityBatchStream implements BatchStream {
  readonly batchSize: number;
  private readonly set: MiniCitySet;
  private readonly flip: boolean;
  private readonly withLabels: boolean;
  private readonly photometric: PhotometricOptions | undefined;
  private readonly luts: [Float32Array, Float32Array, Float32Array];
  /** source channel of each output channel */
  private readonly channels: [number, number, number];
  private rng: Rng;
  private order: Int32Array = new Int32Array(0);
  private epochRng!: RngState;
  private epochNo = -1;
  private pos = 0;

  constructor(set: MiniCitySet, opts: MiniCityStreamOptions = {}) {
    const bs = opts.batchSize ?? 4;
    if (!Number.isInteger(bs) || bs < 1) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in MiniCityBatchStream: batchSize must be an integer >= 1, got ${bs}`);
    }
    if (set.count < 1) throw new PlcaError('PLCA_INVALID_ARGUMENT', 'Error in MiniCityBatchStream: the set is empty');
    const tables = normalizationTables(opts.normalize ?? { mean: 0.5, std: 0.25 });
    this.luts = tables.luts;
    this.channels = tables.source;
    this.set = set;
    this.batchSize = bs;
    this.flip = opts.flip ?? true;
    this.withLabels = opts.withLabels ?? true;
    this.photometric = photometricActive(opts.photometric) ? opts.photometric : undefined;
    this.rng = new Rng(opts.seed ?? 0);
    this.startEpoch();
  }

  /** The current epoch (0-based) and the position in it. */
  get epoch(): number {
    return this.epochNo;
  }

  private startEpoch(): void {
    this.epochRng = this.rng.state();
    this.order = shuffledOrder(this.set.count, this.rng);
    this.epochNo++;
    this.pos = 0;
  }

  async next(): Promise<Batch> {
    return this.nextSync();
  }

  /** The next batch, synchronously; the caller owns and disposes its tensors. */
  nextSync(): Batch {
    const { width: W, height: H } = this.set;
    const n = this.batchSize;
    const px = W * H;
    const images = new Float32Array(n * px * 3);
    const labels = this.withLabels ? new Int32Array(n * px) : undefined;
    for (let b = 0; b < n; b++) {
      if (this.pos >= this.order.length) this.startEpoch();
      const idx = this.order[this.pos++];
      const flip = this.flip && this.rng.bool(0.5);
      this.copySample(idx, b, flip, images, labels);
    }
    const batch: Batch = { images: tf.tensor4d(images, [n, H, W, 3], 'float32') };
    if (labels) batch.labels = tf.tensor3d(labels, [n, H, W], 'int32');
    return batch;
  }

  private copySample(idx: number, b: number, flip: boolean, images: Float32Array, labels?: Int32Array): void {
    const { width: W, height: H } = this.set;
    const px = W * H;
    let src = this.set.images;
    let base = idx * px;
    if (this.photometric) {
      // Drawn after the flip, from the same Rng: state() covers it, so a resume is exact.
      src = photometric(src.subarray(3 * base, 3 * (base + px)), W, H, this.photometric, () => this.rng.next());
      base = 0;
    }
    const lab = this.set.labels;
    const [l0, l1, l2] = this.luts;
    const [c0, c1, c2] = this.channels;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const xs = flip ? W - 1 - x : x;
        const s = base + y * W + xs;
        const d = b * px + y * W + x;
        images[3 * d] = l0[src[3 * s + c0]];
        images[3 * d + 1] = l1[src[3 * s + c1]];
        images[3 * d + 2] = l2[src[3 * s + c2]];
        if (labels) labels[d] = lab[idx * px + y * W + xs];
      }
    }
  }

  state(): MiniCityStreamState {
    return { kind: 'minicity', count: this.set.count, epoch: this.epochNo, pos: this.pos, epochRng: this.epochRng, rng: this.rng.state() };
  }

  restore(s: unknown): void {
    const st = s as Partial<MiniCityStreamState> | null;
    const ok = st !== null && typeof st === 'object' && st.kind === 'minicity' && Number.isInteger(st.epoch) &&
      Number.isInteger(st.pos) && isRngState(st.epochRng) && isRngState(st.rng);
    if (!ok) {
      throw new PlcaError('PLCA_CHECKPOINT_INVALID', `MiniCity stream state is malformed: ${JSON.stringify(s)?.slice(0, 200)}`);
    }
    if (st.count !== this.set.count || st.pos! < 0 || st.pos! > this.set.count) {
      throw new PlcaError('PLCA_CHECKPOINT_INVALID',
        `MiniCity stream state is for a set of ${st.count} images at position ${st.pos}, this set has ${this.set.count}`);
    }
    // Replaying the epoch's shuffle from its starting state rebuilds the order exactly.
    this.order = shuffledOrder(this.set.count, Rng.fromState(st.epochRng!));
    this.epochRng = st.epochRng!;
    this.epochNo = st.epoch!;
    this.pos = st.pos!;
    this.rng = Rng.fromState(st.rng!);
  }
}

function shuffledOrder(n: number, rng: Rng): Int32Array {
  const order = Array.from({ length: n }, (_, i) => i);
  return Int32Array.from(rng.shuffle(order));
}

/** A `BatchStream` over a generated set (see `MiniCityStreamOptions`). */
export function createMiniCityStream(set: MiniCitySet, opts: MiniCityStreamOptions = {}): MiniCityBatchStream {
  return new MiniCityBatchStream(set, opts);
}

/**
 * Training streams of a benchmark: labelled source batches and unlabelled target batches
 * (the target's labels never reach training), with different seeds for their orders.
 */
export function benchmarkStreams(
  sets: { sourceTrain: MiniCitySet; targetTrain: MiniCitySet },
  opts: Omit<MiniCityStreamOptions, 'withLabels'> = {},
): { source: MiniCityBatchStream; target: MiniCityBatchStream } {
  const seed = opts.seed ?? 0;
  return {
    source: new MiniCityBatchStream(sets.sourceTrain, { ...opts, seed, withLabels: true }),
    target: new MiniCityBatchStream(sets.targetTrain, { ...opts, seed: seed + 1, withLabels: false }),
  };
}
