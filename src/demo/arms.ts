/**
 * The MiniCity arms (arm_specs.ts) and, in Node, their config files: `armConfig` loads an arm's
 * configs/ file with the run's overrides, as `plca train --config FILE --set …` does.
 */
import { fileURLToPath } from 'node:url';
import { loadConfig, type ResolvedConfig } from '../config/index.js';
import type { ArmSpec } from './arm_specs.js';

export * from './arm_specs.js';

/** The absolute path of a file of the package (configs/ ships with it; the same from src/ and dist/). */
export function packagePath(rel: string): string {
  return fileURLToPath(new URL(`../../${rel}`, import.meta.url));
}

/** The resolved config of an arm with the run's overrides. */
export function armConfig(arm: ArmSpec, overrides: readonly string[] = []): Promise<ResolvedConfig> {
  return loadConfig(packagePath(arm.config), [...arm.set, ...overrides]);
}
