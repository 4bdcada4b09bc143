/**
 * Batches for the trainer (src/train/batch_stream.ts `BatchStream`), decoded and augmented in
 * worker threads ahead of time. NHWC: images [N, H, W, 3] float32, labels [N, H, W] int32.
 *
 * Reproducibility: the stream is an endless sequence of sample positions p = 0, 1, 2, …; position
 * p is sample k = p mod n of epoch e = ⌊p / n⌋, which reads item perm_e[k] (perm_e seeded by
 * (seed, e)) and augments it with an RNG seeded by (seed, e, k). Nothing depends on which worker
 * ran a sample or when, so `state()` — the next position — resumes the stream exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';
import { PlcaError } from '../util/errors.js';
import type { Batch, BatchStream } from './batch.js';
import { describeUnknownLabels, type DatasetDescriptor, type UnknownLabelReport } from './datasets/common.js';
import { hashSeed, mulberry32, permutation } from '../util/rng.js';
import { prepareSample, type PipelineOptions, type PreparedSample, type SampleJob } from './sample_pipeline.js';
import { WorkerPool } from './worker_pool.js';

export interface LoaderOptions extends Partial<PipelineOptions> {
  dataset: DatasetDescriptor;
  /** Samples per batch. */
  batchSize: number;
  /** Seeds the order and the augmentation. @default 0 */
  seed?: number;
  /** Shuffle each epoch. @default true for 'train', false for 'eval' */
  shuffle?: boolean;
  /** Worker threads; 0 prepares samples in the calling thread. @default cores − 1 (at least 1) */
  workers?: number;
  /** Batches prepared ahead of the one being consumed (worker mode only). @default 2 */
  prefetch?: number;
  /**
   * Under `unknownLabels: 'warn'`: called once per label file per process with the file's ids
   * outside the mapping and a one-line message. @default writes `plca: warning: …` to stderr
   */
  onUnknownLabels?: (report: UnknownLabelReport, message: string) => void;
}

/**
 * Label files already warned about in this process: a file is read once per epoch by every
 * loader over it (train and val may share files), and one line per file is enough.
 */
const warnedLabelFiles = new Set<string>();

function warnToStderr(_report: UnknownLabelReport, message: string): void {
  process.stderr.write(`plca: warning: ${message}\n`);
}

/** `state()` of a DataLoader: the next sample position, and what it must match on restore. */
export interface LoaderState {
  kind: 'plca.data.loader';
  position: number;
  seed: number;
  items: number;
  batchSize: number;
}

export class DataLoader implements BatchStream {
  readonly batchSize: number;
  readonly seed: number;
  private readonly ds: DatasetDescriptor;
  private readonly pipeline: PipelineOptions;
  private readonly shuffle: boolean;
  private readonly prefetch: number;
  private readonly pool: WorkerPool | null;
  private position = 0; // first position not yet handed out by next()
  private queue: { position: number; batch: Promise<PreparedSample[]> }[] = [];
  private perms = new Map<number, Uint32Array>();
  private readonly onUnknownLabels: (report: UnknownLabelReport, message: string) => void;
  private readonly unknown = new Map<string, UnknownLabelReport>();

  constructor(opts: LoaderOptions) {
    const n = opts.dataset.items.length;
    if (!(Number.isInteger(opts.batchSize) && opts.batchSize >= 1)) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in DataLoader: batchSize must be a positive integer, got ${opts.batchSize}`);
    }
    if (n === 0) throw new PlcaError('PLCA_DATASET_INVALID', `Error in DataLoader: dataset ${opts.dataset.root} has no samples`);
    this.ds = opts.dataset;
    this.batchSize = opts.batchSize;
    this.seed = opts.seed ?? 0;
    this.pipeline = {
      mode: opts.mode ?? 'train', augment: opts.augment, evalSize: opts.evalSize, normalize: opts.normalize, sizeMismatch: opts.sizeMismatch,
      unknownLabels: opts.unknownLabels ?? 'error',
    };
    this.onUnknownLabels = opts.onUnknownLabels ?? warnToStderr;
    this.shuffle = opts.shuffle ?? this.pipeline.mode === 'train';
    const workers = opts.workers ?? Math.max(1, availableParallelism() - 1);
    this.pool = workers > 0 ? new WorkerPool(workers, this.ds, this.pipeline) : null;
    // In-process preparation blocks the thread anyway: preparing ahead would only delay this batch.
    this.prefetch = this.pool ? Math.max(0, opts.prefetch ?? 2) : 0;
  }

  /** Batches in one pass over the dataset (the last one may span into the next epoch). */
  get batchesPerEpoch(): number {
    return Math.ceil(this.ds.items.length / this.batchSize);
  }

  /** The (item, augmentation seed) of stream position p. */
  jobAt(p: number): SampleJob {
    const n = this.ds.items.length;
    const epoch = Math.floor(p / n);
    const k = p % n;
    let item = k;
    if (this.shuffle) {
      let perm = this.perms.get(epoch);
      if (!perm) {
        perm = permutation(n, mulberry32(hashSeed(this.seed, epoch)));
        this.perms.set(epoch, perm);
        for (const e of this.perms.keys()) if (e < epoch - 1) this.perms.delete(e);
      }
      item = perm[k];
    }
    return { item, seed: hashSeed(this.seed, epoch, k, 0x5eed) };
  }

  private prepare(position: number): Promise<PreparedSample[]> {
    const jobs = Array.from({ length: this.batchSize }, (_, i) => this.jobAt(position + i));
    const run = (j: SampleJob): Promise<PreparedSample> =>
      this.pool ? this.pool.runSample(j) : Promise.resolve().then(() => prepareSample(this.ds, j, this.pipeline));
    const batch = Promise.all(jobs.map(run)).then((samples) => {
      for (const s of samples) if (s.unknownLabels) this.noteUnknownLabels(s.unknownLabels);
      return samples;
    });
    batch.catch(() => undefined); // a dropped prefetch must not become an unhandled rejection
    return batch;
  }

  /** Collects a file's report (once per loader) and warns about it (once per process). */
  private noteUnknownLabels(r: UnknownLabelReport): void {
    if (this.unknown.has(r.labelPath)) return;
    this.unknown.set(r.labelPath, r);
    if (warnedLabelFiles.has(r.labelPath)) return;
    warnedLabelFiles.add(r.labelPath);
    this.onUnknownLabels(r, `${describeUnknownLabels(r)}; read as ignore (255) because data.unknownLabels is 'warn'`);
  }

  /**
   * Label files this loader has read with ids outside the mapping (under `unknownLabels: 'warn'`),
   * one report per file, in the order met; for a trainer or tool that logs them.
   */
  get unknownLabelReports(): UnknownLabelReport[] {
    return [...this.unknown.values()];
  }

  private fill(): void {
    while (this.queue.length < this.prefetch + 1) {
      const last = this.queue[this.queue.length - 1];
      const position = last ? last.position + this.batchSize : this.position;
      this.queue.push({ position, batch: this.prepare(position) });
    }
  }

  /** Takes the head of the queue and tops the queue up, so workers stay busy while it is consumed. */
  private advance(): Promise<PreparedSample[]> {
    this.fill();
    const head = this.queue.shift()!;
    this.position = head.position + this.batchSize;
    this.fill();
    return head.batch;
  }

  /** The next batch; the caller owns (and disposes) its tensors. */
  async next(): Promise<Batch> {
    return toBatch(await this.advance());
  }

  /** Raw prepared samples of the next batch, without making tensors (for evaluation and tools). */
  nextSamples(): Promise<PreparedSample[]> {
    return this.advance();
  }

  state(): LoaderState {
    return { kind: 'plca.data.loader', position: this.position, seed: this.seed, items: this.ds.items.length, batchSize: this.batchSize };
  }

  restore(s: unknown): void {
    const st = s as Partial<LoaderState> | null;
    if (!st || st.kind !== 'plca.data.loader' || !Number.isInteger(st.position) || st.position! < 0) {
      throw new PlcaError('PLCA_CHECKPOINT_INVALID', `data loader state is not a loader state: ${JSON.stringify(s)}`);
    }
    if (st.seed !== this.seed || st.items !== this.ds.items.length) {
      throw new PlcaError('PLCA_CHECKPOINT_INVALID',
        `data loader state is for seed ${st.seed} over ${st.items} samples, this loader has seed ${this.seed} over ${this.ds.items.length}`);
    }
    this.position = st.position!;
    this.queue = []; // in-flight work for old positions is dropped (its results are ignored)
  }

  async close(): Promise<void> {
    this.queue = [];
    await this.pool?.close();
  }
}

/** Stacks prepared samples into tensors; all samples of a batch must have one size. */
export function toBatch(samples: PreparedSample[]): Batch {
  const s0 = samples[0];
  for (const s of samples) {
    if (s.height !== s0.height || s.width !== s0.width || s.labelHeight !== s0.labelHeight || s.labelWidth !== s0.labelWidth) {
      throw new PlcaError('PLCA_SIZE_MISMATCH',
        `cannot batch ${s0.id} (${s0.width}x${s0.height}) with ${s.id} (${s.width}x${s.height}); use batch size 1 for images of mixed sizes`);
    }
  }
  const px = s0.height * s0.width * 3;
  const images = new Float32Array(samples.length * px);
  samples.forEach((s, i) => images.set(s.image, i * px));
  const batch: Batch = { images: tf.tensor4d(images, [samples.length, s0.height, s0.width, 3]) };
  if (s0.label && s0.labelHeight && s0.labelWidth) {
    const lp = s0.labelHeight * s0.labelWidth;
    const labels = new Int32Array(samples.length * lp);
    samples.forEach((s, i) => labels.set(s.label!, i * lp));
    batch.labels = tf.tensor3d(labels, [samples.length, s0.labelHeight, s0.labelWidth], 'int32');
  }
  return batch;
}

/** A loader over a dataset; `close()` it to stop its workers. */
export function createLoader(opts: LoaderOptions): DataLoader {
  return new DataLoader(opts);
}
