/**
 * The labelled evaluation set of a config (data.val, or a dataset given by the caller) as
 * `EvalSample`s for src/eval's `evaluate`, as the reference evaluates (§4.8, §4.11): the image
 * resized to the eval size (PIL-style bilinear, then normalised as in training), the label kept
 * at full size and mapped into the head's class space, so `evaluate` upsamples the logits to it.
 */
import type { ResolvedConfig } from '../config/index.js';
import { createLoader } from '../data/index.js';
import type { EvalSample } from '../eval/index.js';
import { readTargetOverrideFile } from '../minicity/index.js';
import { PlcaError } from '../util/errors.js';
import { headClasses, labelsToHead, type HeadClasses } from './classes.js';
import { miniCityValSamples } from './minicity_data.js';
import { openConfigDataset } from './streams.js';

type Domain = NonNullable<ResolvedConfig['data']['val']>;

export interface ValOptions {
  /** Dataset reader instead of data.val's. */
  dataset?: Domain['dataset'];
  /** Dataset root instead of data.val's. */
  root?: string;
  /** Split (or list file) instead of data.val's; a given split replaces data.val.list. */
  split?: string;
  /** Network input size [H, W]. @default data.evalSize */
  evalSize?: [number, number];
  /** Evaluate only the first `limit` images (in the dataset's order). */
  limit?: number;
}

export interface ValSet {
  /** The dataset evaluated. */
  domain: Domain;
  classes: HeadClasses;
  /** Network input size [H, W]. */
  evalSize: [number, number];
  /** Images each `samples()` pass yields. */
  count: number;
  /**
   * One pass over the set. A dataset's pass runs its own loader (cfg.data.workers threads),
   * stopped when the pass ends or its consumer stops early.
   */
  samples(): AsyncGenerator<EvalSample>;
}

function domainOf(cfg: ResolvedConfig, o: ValOptions): Domain {
  const base = cfg.data.val;
  if (base === null && o.root === undefined) {
    throw new PlcaError('PLCA_CONFIG_INVALID', 'data.val is null and no dataset root was given, so there is nothing to evaluate on', {
      hint: 'set data.val in the config, or pass a dataset root (plca eval --root DIR)',
    });
  }
  const d: Domain = { ...(base ?? { dataset: 'cityscapes', root: o.root!, split: 'val', list: null, idMap: null }) };
  if (o.dataset !== undefined) d.dataset = o.dataset;
  if (o.root !== undefined) d.root = o.root;
  if (o.split !== undefined) {
    d.split = o.split;
    d.list = null;
  }
  return d;
}

function checkSize(v: [number, number]): void {
  if (!(v.length === 2 && v.every((x) => Number.isInteger(x) && x > 0))) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `eval input size must be [height, width] positive integers, got [${v.join(', ')}]`);
  }
}

/**
 * The evaluation set of `cfg` (see ValOptions for overrides).
 * @throws PLCA_CONFIG_INVALID without a val set; PLCA_DATASET_INVALID for a set without labels
 */
export function valSamplesFromConfig(cfg: ResolvedConfig, o: ValOptions = {}): ValSet {
  const classes = headClasses(cfg.model.numClasses);
  const domain = domainOf(cfg, o);
  const evalSize: [number, number] = o.evalSize ?? [cfg.data.evalSize[0], cfg.data.evalSize[1]];
  checkSize(evalSize);
  if (o.limit !== undefined && !(Number.isInteger(o.limit) && o.limit >= 1)) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `eval limit must be a positive integer, got ${o.limit}`);
  }
  const norm = cfg.data.normalization;
  if (domain.dataset === 'minicity') {
    return { domain, classes, evalSize, ...miniCityValSamples(cfg, domain.split, evalSize, o.limit, readTargetOverrideFile) };
  }
  const ds = openConfigDataset(domain, true);
  const unlabelled = ds.items.find((it) => it.labelPath === undefined);
  if (unlabelled !== undefined) {
    throw new PlcaError('PLCA_DATASET_INVALID', `${domain.root}: image ${unlabelled.imagePath} has no label, so the set cannot be evaluated`, {
      hint: 'evaluate on a labelled split (e.g. Cityscapes val), or give folder datasets a labels/ folder',
    });
  }
  const items = o.limit !== undefined ? ds.items.slice(0, o.limit) : ds.items;
  async function* samples(): AsyncGenerator<EvalSample> {
    const loader = createLoader({
      dataset: { ...ds, items }, batchSize: 1, mode: 'eval', evalSize, normalize: norm, workers: cfg.data.workers, shuffle: false,
      unknownLabels: cfg.data.unknownLabels, sizeMismatch: cfg.data.sizeMismatch,
    });
    try {
      for (let i = 0; i < items.length; i++) {
        const [s] = await loader.nextSamples();
        yield {
          image: { width: s.width, height: s.height, data: s.image },
          label: { width: s.labelWidth!, height: s.labelHeight!, data: labelsToHead(s.label!, classes) },
          id: s.id,
        };
      }
    } finally {
      await loader.close();
    }
  }
  return { domain, classes, evalSize, count: items.length, samples };
}
