/**
 * A config domain with `dataset: 'minicity'` → the generated MiniCity set it names. Nothing is
 * read from disk (`root` is not used): the split names one of the benchmark's four sets, drawn
 * from MINICITY_DEFAULTS' fixed seeds at `data.minicity`'s size, count and style gap (and the
 * target style file, when given), so the data is the same for every training seed; only order
 * and flips follow the seed.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { generateSet, MINICITY_DEFAULTS, readTargetOverrideFile, type MiniCitySet } from '../minicity/index.js';
import type { ResolvedConfig } from '../config/index.js';
import { PlcaError } from '../util/errors.js';

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
 * @throws PLCA_CONFIG_INVALID for a split that is not one of MINICITY_SPLITS; the target style
 *   file's own errors (PLCA_FILE_NOT_FOUND, PLCA_CONFIG_INVALID naming it)
 */
export function miniCitySet(data: ResolvedConfig['data'], split: string, where: string): MiniCitySet {
  const spec = (MINICITY_SPLITS as Record<string, (typeof MINICITY_SPLITS)[MiniCitySplit]>)[split];
  if (spec === undefined) {
    throw new PlcaError('PLCA_CONFIG_INVALID',
      `${where}.split "${split}" is not a MiniCity split; use one of ${Object.keys(MINICITY_SPLITS).join(', ')}`);
  }
  const m = data.minicity;
  const styleFile = spec.domain === 'target' ? m.targetStyle : null;
  const override = styleFile === null ? undefined : readTargetOverrideFile(styleFile);
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

/**
 * What a config's MiniCity data depends on beyond the config itself: the content of its target
 * style file (sha-256, 16 hex digits), or null without one. Stored results use it to tell runs apart.
 */
export function miniCityStyleDigest(data: ResolvedConfig['data']): string | null {
  const f = data.minicity.targetStyle;
  return f === null ? null : createHash('sha256').update(readFileSync(f)).digest('hex').slice(0, 16);
}
