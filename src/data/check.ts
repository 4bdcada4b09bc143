/**
 * `plca data check`: reads every image and label of a dataset and reports what would break or
 * silently spoil training — missing pairs, unreadable or corrupt files, size mismatches, label
 * ids outside the dataset's mapping — plus the class histogram in train ids.
 */
import { CLASS_NAMES, IGNORE_ID, SYNTHIA16_TRAIN_IDS, type ClassName } from './label_maps.js';
import type { DatasetDescriptor } from './datasets/common.js';
import { openDataset, type DatasetName } from './datasets/index.js';
import { checkItem, type CheckProblem, type ItemCheck } from './check_item.js';
import { WorkerPool } from './worker_pool.js';

export { checkItem, type CheckProblem, type ItemCheck } from './check_item.js';
import { availableParallelism } from 'node:os';

export interface CheckOptions {
  dataset: DatasetName;
  root: string;
  /** Cityscapes split name or list file; for the others a list file (default: scan the folders). */
  split?: string;
  /** folder only: raw id → train id mapping JSON. */
  idMap?: string;
  /** checkDatasetParallel only: worker threads; 0 checks in the calling thread. @default cores − 1 (at least 1) */
  workers?: number;
  /** Called after each sample, e.g. for a progress bar. */
  onProgress?: (done: number, total: number) => void;
}


/** Pixels per class of the dataset's protocol (SYNTHIA: its 16; the others: all 19), then "ignore". */
export type Histogram = Partial<Record<ClassName, number>> & { ignore: number };

export interface CheckReport {
  /** Image files found (readable or not; unreadable ones are also in `problems`). */
  images: number;
  /** Label files found. */
  labels: number;
  problems: CheckProblem[];
  /** Pixels per train id over all readable labels, by Cityscapes class name; 255 under "ignore". */
  histogram: Histogram;
}

/** The train ids a dataset's labels can hold: SYNTHIA's mapping has only the 16 classes of its protocol. */
function protocolTrainIds(ds: DatasetDescriptor): readonly number[] {
  return ds.name === 'synthia' ? SYNTHIA16_TRAIN_IDS : CLASS_NAMES.map((_, t) => t);
}

/** Sums item checks (in item order, so the report does not depend on worker timing). */
function report(ds: DatasetDescriptor, items: ItemCheck[]): CheckReport {
  const problems: CheckProblem[] = [];
  const counts = new Float64Array(256);
  let images = 0;
  let labels = 0;
  for (const c of items) {
    images += c.imageFound ? 1 : 0;
    labels += c.labelFound ? 1 : 0;
    problems.push(...c.problems);
    if (c.counts) for (let t = 0; t < 256; t++) counts[t] += c.counts[t];
  }
  for (const f of ds.unpairedLabels ?? []) {
    labels++;
    problems.push({ file: f, problem: 'label without an image' });
  }
  // Key order = JSON order: the protocol's classes in train-id order, then ignore.
  const histogram = {} as Histogram;
  for (const t of protocolTrainIds(ds)) histogram[CLASS_NAMES[t]] = counts[t];
  histogram.ignore = counts[IGNORE_ID];
  return { images, labels, problems, histogram };
}

/**
 * Checks a dataset in its native layout, in the calling thread. Throws only when the layout
 * itself cannot be opened (root or split missing); everything else is a problem.
 */
export function checkDataset(opts: CheckOptions): CheckReport {
  const ds = openDataset({ dataset: opts.dataset, root: opts.root, split: opts.split, idMap: opts.idMap });
  const results: ItemCheck[] = [];
  for (let i = 0; i < ds.items.length; i++) {
    results.push(checkItem(ds, i));
    opts.onProgress?.(i + 1, ds.items.length);
  }
  return report(ds, results);
}

/** As checkDataset, decoding in worker threads (`workers`, default cores − 1): same report, faster. */
export async function checkDatasetParallel(opts: CheckOptions): Promise<CheckReport> {
  const ds = openDataset({ dataset: opts.dataset, root: opts.root, split: opts.split, idMap: opts.idMap });
  return checkDescriptor(ds, opts);
}

/** As checkDataset, for an already opened dataset. */
export async function checkDescriptor(
  ds: DatasetDescriptor, opts: Pick<CheckOptions, 'workers' | 'onProgress'> = {},
): Promise<CheckReport> {
  const n = ds.items.length;
  const workers = Math.min(n, opts.workers ?? Math.max(1, availableParallelism() - 1));
  const results: ItemCheck[] = new Array<ItemCheck>(n);
  let done = 0;
  const finish = (i: number, c: ItemCheck): void => {
    results[i] = c;
    opts.onProgress?.(++done, n);
  };
  if (workers <= 0) {
    for (let i = 0; i < n; i++) finish(i, checkItem(ds, i));
    return report(ds, results);
  }
  const pool = new WorkerPool(workers, ds);
  try {
    // A bounded window of jobs in flight keeps memory flat on 25k-image datasets.
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < n) {
        const i = next++;
        finish(i, await pool.runCheck(i));
      }
    };
    await Promise.all(Array.from({ length: workers * 2 }, lane));
  } finally {
    await pool.close();
  }
  return report(ds, results);
}
