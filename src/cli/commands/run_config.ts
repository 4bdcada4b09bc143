/**
 * From the common flags to a ResolvedConfig: `--config FILE`, then `--set` overrides, then
 * the flags that mirror config keys (`--seed` → train.seed, `--backend` → runtime.backend,
 * `--threads` → runtime.threads), so a flag always wins over the file.
 */
import type { ResolvedConfig } from '../../config/index.js';
import type { CliIo } from '../io.js';
import type { CommonOptions } from '../options.js';
import { requirePath } from './shared.js';

/** The `key=value` overrides the common flags stand for, after the user's `--set`s. */
export function configOverrides(opts: Partial<CommonOptions>): string[] {
  const out = [...(opts.set ?? [])];
  if (opts.seed !== undefined) out.push(`train.seed=${opts.seed}`);
  // 'auto' is the flag's default: only an explicit choice overrides the config file.
  if (opts.backend !== undefined && opts.backend !== 'auto') out.push(`runtime.backend="${opts.backend}"`);
  if (opts.threads !== undefined) out.push(`runtime.threads=${opts.threads}`);
  return out;
}

/** Loads and resolves the run config; the file is checked first so its error names it. */
export async function loadRunConfig(io: CliIo, file: string | undefined, overrides: string[]): Promise<ResolvedConfig> {
  const { loadConfig } = await import('../../config/index.js');
  const abs = file === undefined ? undefined : requirePath(io, file, 'file', 'config file');
  return loadConfig(abs, overrides);
}
