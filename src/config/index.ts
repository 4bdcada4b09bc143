export { ConfigSchema, METHOD_MODES, DATASET_NAMES } from './schema.js';
export type { UserConfig, ResolvedConfig, ParsedConfig, MethodMode, DatasetName, ObjectiveSwitches } from './schema.js';
export { resolveConfig, applyOverride } from './resolve.js';
export type { ResolveOptions } from './resolve.js';
export { defineConfig, mergeConfigs } from './define_config.js';
export { loadConfigFile, loadConfig, saveResolvedConfig, RESOLVED_CONFIG_FILE } from './load.js';
export { MODE_SWITCHES, needsTarget, methodNeedsTarget, usesObjective } from './modes.js';
