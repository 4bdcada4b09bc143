/**
 * A config domain with `dataset: 'minicity'` → the generated MiniCity set it names. Nothing is
 * read from disk (`root` is not used): the split names one of the benchmark's four sets, drawn
 * from MINICITY_DEFAULTS' fixed seeds at `data.minicity`'s size, count and style gap, so the
 * data is the same for every training seed (as the demo; only order and flips follow the seed).
 */
import { generateSet, MINICITY_DEFAULTS, type MiniCitySet } from '../minicity/index.js';
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
 * Generates the set a MiniCity domain names.
 * @param where the config key of the domain (e.g. 'data.source'), named in errors
 * @throws PLCA_CONFIG_INVALID for a split that is not one of MINICITY_SPLITS
 */
export function miniCitySet(data: ResolvedConfig['data'], split: string, where: string): MiniCitySet {
  const spec = (MINICITY_SPLITS as Record<string, (typeof MINICITY_SPLITS)[MiniCitySplit]>)[split];
  if (spec === undefined) {
    throw new PlcaError('PLCA_CONFIG_INVALID',
      `${where}.split "${split}" is not a MiniCity split; use one of ${Object.keys(MINICITY_SPLITS).join(', ')}`);
  }
  const m = data.minicity;
  return generateSet({
    count: m[spec.count], seed: MINICITY_DEFAULTS.seeds[spec.seed], domain: spec.domain, k: m.targetGap,
    height: m.size[0], width: m.size[1],
  });
}
