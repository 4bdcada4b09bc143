/**
 * The config's `data` section → the trainer's streams. Structural types only: src/data does not
 * import src/config (dependencies point one way), it accepts anything shaped like
 * `ResolvedConfig['data']`. MiniCity domains are src/minicity's (`benchmarkStreams`).
 */
import { PlcaError } from '../util/errors.js';
import { openDataset, DATASET_ALIASES, DATASET_NAMES } from './datasets/index.js';
import { createLoader, type DataLoader } from './loader.js';
import type { NormalizeSpec } from './transforms.js';

/** One domain of the config: which reader, where, which split (or list file). */
export interface DomainLike {
  dataset: string;
  root: string;
  split: string;
  list?: string | null;
  /** folder datasets: raw label id → train id JSON (see parseIdMapping). */
  idMap?: string | null;
}

/** What createDataStreams reads of the config's `data` section. */
export interface DataSectionLike {
  source: DomainLike;
  target: DomainLike | null;
  val: DomainLike | null;
  resizeShort: readonly [number, number];
  crop: readonly [number, number];
  flip: boolean;
  evalSize: readonly [number, number];
  normalization: NormalizeSpec;
  workers: number;
}

export interface DataStreams {
  /** Labelled source batches, augmented. */
  source: DataLoader;
  /** Unlabelled target batches, augmented the same way (reference §4.8). */
  target?: DataLoader;
  /** Labelled validation samples, one per batch, image at evalSize, label at full size, in order. */
  val?: DataLoader;
  close(): Promise<void>;
}

function open(d: DomainLike, labels: boolean) {
  const known = [...DATASET_NAMES, ...Object.keys(DATASET_ALIASES)] as string[];
  if (!known.includes(d.dataset)) {
    throw new PlcaError('PLCA_CONFIG_INVALID', `data: dataset "${d.dataset}" is not read by src/data (${known.join(', ')})`, {
      hint: d.dataset === 'minicity' ? 'MiniCity streams come from src/minicity (benchmarkStreams)' : undefined,
    });
  }
  return openDataset({
    dataset: d.dataset as (typeof DATASET_NAMES)[number], root: d.root, split: d.list ?? d.split, labels, idMap: d.idMap ?? undefined,
  });
}

/** Opens the source, target and validation loaders of a config. Call `close()` when done. */
export function createDataStreams(data: DataSectionLike, opts: { batchSize: number; seed: number }): DataStreams {
  const augment = {
    minSize: data.resizeShort[0], maxSize: data.resizeShort[1], cropSize: data.crop, flipProb: data.flip ? 0.5 : 0,
  };
  const common = { batchSize: opts.batchSize, augment, normalize: data.normalization, workers: data.workers, mode: 'train' as const };
  // Distinct seeds per stream, so source and target do not draw the same crops.
  const source = createLoader({ ...common, dataset: open(data.source, true), seed: opts.seed * 3 + 1 });
  const target = data.target ? createLoader({ ...common, dataset: open(data.target, false), seed: opts.seed * 3 + 2 }) : undefined;
  const val = data.val
    ? createLoader({
      dataset: open(data.val, true), batchSize: 1, mode: 'eval', evalSize: [data.evalSize[0], data.evalSize[1]],
      normalize: data.normalization, workers: data.workers, seed: opts.seed * 3 + 3, shuffle: false,
    })
    : undefined;
  return {
    source, target, val,
    close: async () => {
      await Promise.all([source.close(), target?.close(), val?.close()]);
    },
  };
}
