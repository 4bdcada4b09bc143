/**
 * A config domain with `dataset: 'minicity'` → the generated MiniCity set it names
 * (minicity_data.ts), in Node: with the target style file read from disk when the config names
 * one, and that file's digest for stored results.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readTargetOverrideFile, looksLikeShiftName, shiftPreset, type MiniCitySet } from '../minicity/index.js';
import type { ResolvedConfig } from '../config/index.js';
import { generateMiniCitySet } from './minicity_data.js';

export { MINICITY_SPLITS, type MiniCitySplit } from './minicity_data.js';

/**
 * Generates the set a MiniCity domain names (or returns the same set generated earlier), reading
 * the target style file when the config has one (see generateMiniCitySet).
 */
export function miniCitySet(data: ResolvedConfig['data'], split: string, where: string): MiniCitySet {
  return generateMiniCitySet(data, split, where, readTargetOverrideFile);
}

/**
 * What a config's MiniCity data depends on beyond the config itself: the content of its target
 * style file or shift preset (sha-256, 16 hex digits), or null without one. Stored results use it to tell runs apart.
 */
export function miniCityStyleDigest(data: ResolvedConfig['data']): string | null {
  const f = data.minicity.targetStyle;
  if (f === null) return null;
  const content = looksLikeShiftName(f) ? JSON.stringify(shiftPreset(f)) : readFileSync(f);
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}
