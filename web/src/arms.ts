// The MiniCity arms' config files, bundled into the page (the same files `plca train --config`
// and `plca demo` load), and the web app's presets as settings of those configs.
import { QUICK, resolveConfig, settingsOverrides, type ArmSpec, type MiniCitySettings, type ResolvedConfig, type UserConfig } from '../../src/browser.js';

/** Every MiniCity config file, keyed as DEMO_ARMS name them (`configs/minicity_plca.ts`): a demo arm added on a new config needs no change here. */
const CONFIGS: Record<string, UserConfig> = Object.fromEntries(
  Object.entries(import.meta.glob<UserConfig>('../../configs/minicity_*.ts', { eager: true, import: 'default' }))
    .map(([path, config]) => [path.replace(/^(\.\.\/)+/, ''), config]),
);

/**
 * `short` is the page's default: 300 updates on the configs' data (1000 + 1000 training images)
 * gained +8.6 / +11.2 mIoU over source only at seeds 0 / 1 in the demo's measurements, half the
 * demo's updates; `full` is `npm start`; `quick` is `npm start -- --quick`; `tiny` is the browser
 * test's. The target-val curve is scored more often than the demo's, for a live chart.
 */
export const WEB_PRESETS = {
  short: { steps: 300, valInterval: 25 },
  full: { valInterval: 50 },
  quick: { ...QUICK, valInterval: 20 },
  tiny: { steps: 4, trainImages: 8, valImages: 8, batchSize: 2, valInterval: 2 },
} satisfies Record<string, Omit<MiniCitySettings, 'seed'>>;
export type WebPresetName = keyof typeof WEB_PRESETS;

/** The overrides of a run of the page (preset, seed, gap, updates), as `plca train --set` takes them. */
export function webOverrides(preset: WebPresetName, seed: number, k: number, steps?: number): string[] {
  return settingsOverrides({ ...WEB_PRESETS[preset], seed, k, ...(steps === undefined ? {} : { steps }) });
}

/** An arm's resolved config with the run's overrides: what `armConfig` gives in Node. */
export function armConfigInPage(arm: ArmSpec, overrides: readonly string[]): ResolvedConfig {
  const user = CONFIGS[arm.config];
  if (user === undefined) throw new Error(`the web app does not bundle ${arm.config}`);
  return resolveConfig(user, [...arm.set, ...overrides], { source: arm.config });
}
