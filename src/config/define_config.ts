/**
 * Typed helpers for experiment files in configs/ (DAFormer-style: a base plus deltas).
 * A config file default-exports `defineConfig(mergeConfigs(base, ..., delta))`.
 */
import type { UserConfig } from './schema.js';

/** Identity with a type: gives an experiment file completion and type errors on unknown keys. */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep-merges partial configs left to right: objects merge key by key, anything else
 * (numbers, strings, arrays, null) in a later part replaces the earlier value.
 */
export function mergeConfigs(...parts: UserConfig[]): UserConfig {
  let out: Record<string, unknown> = {};
  for (const p of parts) out = mergeTwo(out, p as Record<string, unknown>);
  return out as UserConfig;
}

function mergeTwo(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeTwo(out[k] as Record<string, unknown>, v) : structuredClone(v);
  }
  return out;
}
