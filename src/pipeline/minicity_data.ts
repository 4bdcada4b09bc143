/**
 * The MiniCity domains of a config (`dataset: 'minicity'`) as the trainer's streams and as an
 * evaluation set, with nothing but generated data: the MiniCity branches of streams.ts and
 * val.ts, without Node (the web app trains and scores through them too). A domain's split names
 * one of the benchmark's four sets, drawn from MINICITY_DEFAULTS' fixed seeds at
 * `data.minicity`'s size, count and style gap (and its target style: a shift preset by name, or
 * a file read by the caller's `readStyle`), so the data is the same for every training seed; only order and
 * flips follow the seed.
 */
import type { ResolvedConfig } from '../config/schema.js';
import { evalResize, normalizeImage } from '../data/transforms.js';
import type { EvalSample } from '../eval/evaluator.js';
import { createMiniCityStream } from '../minicity/batch_stream.js';
import { generateSet, MINICITY_DEFAULTS, setSample, type MiniCitySet } from '../minicity/generator.js';
import type { TargetOverride } from '../minicity/params.js';
import { looksLikeShiftName, shiftPreset } from '../minicity/shifts.js';
import { PlcaError } from '../util/errors.js';
import { headClasses, labelsToHead, trainIdToHeadLut } from './classes.js';
import { ConfiguredStream } from './configured_stream.js';

/** Reads a target style file (data.minicity.targetStyle). */
export type StyleReader = (file: string) => TargetOverride;

/** The split names a MiniCity domain may give, and the benchmark set each one is. */
export const MINICITY_SPLITS = {
  source_train: { domain: 'source', seed: 'sourceTrain', count: 'trainImages' },
  source_val: { domain: 'source', seed: 'sourceVal', count: 'valImages' },
  target_train: { domain: 'target', seed: 'targetTrain', count: 'trainImages' },
  target_val: { domain: 'target', seed: 'targetVal', count: 'valImages' },
} as const;
export type MiniCitySplit = keyof typeof MINICITY_SPLITS;

/**
 * Sets generated lately, by everything that determines them. Why: a run's training streams, its
 * validator, and the demo's scoring and mosaic all ask for the same sets, and generating 1000
 * scenes takes seconds. Sets are never modified by their users. A few are kept (four per run).
 */
const cache = new Map<string, MiniCitySet>();
const CACHE_SETS = 4;

/**
 * Generates the set a MiniCity domain names (or returns the same set generated earlier).
 * @param where the config key of the domain (e.g. 'data.source'), named in errors
 * @param readStyle reads `data.minicity.targetStyle` (Node: readTargetOverrideFile); without it a style file is an error
 * @throws PLCA_CONFIG_INVALID for a split that is not one of MINICITY_SPLITS; the target style
 *   file's own errors (PLCA_FILE_NOT_FOUND, PLCA_CONFIG_INVALID naming it)
 */
export function generateMiniCitySet(data: ResolvedConfig['data'], split: string, where: string, readStyle?: StyleReader): MiniCitySet {
  const spec = (MINICITY_SPLITS as Record<string, (typeof MINICITY_SPLITS)[MiniCitySplit]>)[split];
  if (spec === undefined) {
    throw new PlcaError('PLCA_CONFIG_INVALID',
      `${where}.split "${split}" is not a MiniCity split; use one of ${Object.keys(MINICITY_SPLITS).join(', ')}`);
  }
  const m = data.minicity;
  const styleFile = spec.domain === 'target' ? m.targetStyle : null;
  if (styleFile !== null && !looksLikeShiftName(styleFile) && readStyle === undefined) {
    throw new PlcaError('PLCA_CONFIG_INVALID', `data.minicity.targetStyle "${styleFile}" is a file, and files cannot be read here`, {
      hint: 'set data.minicity.targetStyle to null, or run in Node (plca train)',
    });
  }
  // A bare word is a shift preset (src/minicity/shifts.ts), anything else a file.
  const override = styleFile === null ? undefined : looksLikeShiftName(styleFile) ? shiftPreset(styleFile) : readStyle!(styleFile);
  const opts = {
    count: m[spec.count], seed: MINICITY_DEFAULTS.seeds[spec.seed], domain: spec.domain, k: m.targetGap,
    height: m.size[0], width: m.size[1], targetStyleOverride: override,
  };
  const key = JSON.stringify(opts);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const set = generateSet(opts);
  cache.set(key, set);
  if (cache.size > CACHE_SETS) cache.delete(cache.keys().next().value!);
  return set;
}

/** The train id → head LUT of labelled batches, or null when labels are already head indices with 255 as ignore. */
export function headLut(cfg: ResolvedConfig): Int32Array | null {
  const classes = headClasses(cfg.model.numClasses);
  const ignore = cfg.method.ignoreIndex;
  return classes.identity && ignore === 255 ? null : trainIdToHeadLut(classes, ignore);
}

/**
 * The training stream of a MiniCity domain: labelled for the source, unlabelled for the target.
 * Normalised as a file dataset's samples are (normalizeImage), to the same bits.
 */
export function miniCityStream(cfg: ResolvedConfig, split: string, role: 'source' | 'target', seed: number, readStyle?: StyleReader): ConfiguredStream {
  const labelled = role === 'source';
  const set = generateMiniCitySet(cfg.data, split, `data.${role}`, readStyle);
  const inner = createMiniCityStream(set, {
    batchSize: cfg.train.batchSize, seed, flip: cfg.data.flip, normalize: cfg.data.normalization, withLabels: labelled,
    photometric: labelled ? cfg.data.augment : undefined,
  });
  return new ConfiguredStream(inner, { lut: labelled ? headLut(cfg) : null, keepLabels: labelled });
}

/**
 * The first `limit` images of a MiniCity split as evaluation samples: the image resized to
 * `evalSize` and normalised as in training, the label at full size in the head's classes.
 */
export function miniCityValSamples(cfg: ResolvedConfig, split: string, evalSize: [number, number], limit = Infinity, readStyle?: StyleReader):
  { count: number; samples: () => AsyncGenerator<EvalSample> } {
  const classes = headClasses(cfg.model.numClasses);
  const set = generateMiniCitySet(cfg.data, split, 'data.val', readStyle);
  const count = Math.min(set.count, limit);
  const norm = cfg.data.normalization;
  async function* samples(): AsyncGenerator<EvalSample> {
    for (let i = 0; i < count; i++) {
      const { image, label } = setSample(set, i);
      const img = evalResize({ width: set.width, height: set.height, channels: 3, data: image }, evalSize);
      yield {
        image: { width: img.width, height: img.height, data: normalizeImage(img, norm) },
        label: { width: set.width, height: set.height, data: labelsToHead(label, classes) },
        id: `${split}_${i}`,
      };
    }
  }
  return { count, samples };
}
