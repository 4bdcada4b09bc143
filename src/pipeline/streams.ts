/**
 * The config's `data` section → the trainer's batch streams (src/train/batch_stream.ts). Files
 * of cityscapes | gtav (gta5) | synthia | folder go through src/data's worker loader
 * (augmented as reference §4.8); `minicity` domains are generated (src/minicity). Every stream is
 * wrapped so that what reaches the trainer is in the head's class space (classes.ts) and the
 * config's normalisation, and a target stream never carries labels. NHWC tensors.
 *
 * MiniCity streams use `data.flip` and `data.normalization` but not `resizeShort`/`crop`: the
 * generated images already are `data.minicity.size`, and MiniCity's stream does not rescale.
 */
import { methodNeedsTarget, type ResolvedConfig } from '../config/index.js';
import { createLoader, openDataset, type DataLoader } from '../data/index.js';
import { deriveSeed, readTargetOverrideFile } from '../minicity/index.js';
import type { BatchStream } from '../data/index.js';
import { PlcaError } from '../util/errors.js';
import { ConfiguredStream } from './configured_stream.js';
import { headLut, miniCityStream } from './minicity_data.js';

export { ConfiguredStream } from './configured_stream.js';

type Domain = NonNullable<ResolvedConfig['data']['target']>;
type DatasetKind = 'cityscapes' | 'gtav' | 'gta5' | 'synthia' | 'folder';

export interface StreamsOptions {
  /** Open the target stream. @default whether `method.mode`/switches need target batches (and data.target is set) */
  withTarget?: boolean;
}

export interface TrainStreams {
  /** Labelled source batches: labels are head indices, ignored pixels `method.ignoreIndex`. */
  source: BatchStream;
  /** Unlabelled target batches (labels are dropped even when the dataset has them). */
  target?: BatchStream;
  /** Stops the loaders' worker threads; safe to call more than once. */
  close(): Promise<void>;
}

/** The loader's augmentation from the config (reference §4.8: short-side resize, flip, crop). */
export function augmentOf(data: ResolvedConfig['data']) {
  return { minSize: data.resizeShort[0], maxSize: data.resizeShort[1], cropSize: data.crop, flipProb: data.flip ? 0.5 : 0 };
}

/** Opens a file dataset of the config (src/data reads it in place). */
export function openConfigDataset(d: Domain, labels: boolean) {
  return openDataset({
    dataset: d.dataset as DatasetKind, root: d.root, split: d.list ?? d.split, labels, idMap: d.idMap ?? undefined,
  });
}

function openStream(cfg: ResolvedConfig, d: Domain, role: 'source' | 'target', seed: number): ConfiguredStream {
  const labelled = role === 'source';
  const lut = labelled ? headLut(cfg) : null;
  const { batchSize } = cfg.train;
  if (d.dataset === 'minicity') return miniCityStream(cfg, d.split, role, seed, readTargetOverrideFile);
  const inner: DataLoader = createLoader({
    dataset: openConfigDataset(d, labelled), batchSize, seed, mode: 'train',
    augment: { ...augmentOf(cfg.data), ...(labelled ? { photometric: cfg.data.augment } : {}) },
    normalize: cfg.data.normalization, workers: cfg.data.workers, unknownLabels: cfg.data.unknownLabels,
    sizeMismatch: cfg.data.sizeMismatch,
  });
  return new ConfiguredStream(inner, { lut, keepLabels: labelled });
}

/**
 * Source (and target) streams of a config, seeded from `train.seed` (distinct seeds per stream,
 * so source and target do not draw the same order and crops). Call `close()` when done.
 * @throws PLCA_CONFIG_INVALID for a head size without a class set, a bad MiniCity split, or a
 *   target asked for while data.target is null; src/data's errors for missing dataset files
 */
export function streamsFromConfig(cfg: ResolvedConfig, opts: StreamsOptions = {}): TrainStreams {
  const wantTarget = opts.withTarget ?? (methodNeedsTarget(cfg.method) && cfg.data.target !== null);
  if (wantTarget && cfg.data.target === null) {
    throw new PlcaError('PLCA_CONFIG_INVALID', 'data.target is null, so there is no target stream to open');
  }
  const seed = cfg.train.seed;
  const source = openStream(cfg, cfg.data.source, 'source', deriveSeed(seed, 1));
  let target: ConfiguredStream | undefined;
  try {
    target = wantTarget ? openStream(cfg, cfg.data.target!, 'target', deriveSeed(seed, 2)) : undefined;
  } catch (e) {
    // The source's workers are already running; the target's error is the one to report.
    source.close().catch(() => undefined);
    throw e;
  }
  return {
    source, target,
    close: async () => {
      await Promise.all([source.close(), target?.close()]);
    },
  };
}
