// The fair baseline for minicity_plca.ts: source-only CE + Lovász, same net, data and schedule —
// the source-only arm of `plca demo` (docs/minicity.md). Without the PLCA default's photometric
// augmentation (minicity_source_only_aug.ts is the control with it). With a BatchNorm net, compare
// with the 'source_only_lovasz_tgtbn' control too.
import { defineConfig, mergeConfigs } from '../src/config/define_config.js';
import plca from './minicity_plca.js';
import { NO_AUGMENT } from './_base/augment/photometric.js';

export default defineConfig(mergeConfigs(plca, NO_AUGMENT, {
  name: 'minicity_source_only',
  method: { mode: 'source_only_lovasz' },
}));
