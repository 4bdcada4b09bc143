// PLCA on MiniCity as the paper ablates it (Table 1): the terms of Eq. (14) alone, from the first
// update, without the default's stabilisers (no source augmentation, no association warm-up or
// ramp, no collapse guard). The ablation arms of `plca bench minicity --ablation` build on it, so
// that each row differs from the source-only rows only by the loss terms, as in the paper; the
// README's Table 1 was measured with this setting. configs/minicity_plca.ts is the default PLCA.
import { defineConfig, mergeConfigs } from '../src/config/define_config.js';
import plca from './minicity_plca.js';
import { NO_AUGMENT } from './_base/augment/photometric.js';

export default defineConfig(mergeConfigs(plca, NO_AUGMENT, {
  name: 'minicity_plca_plain',
  method: { associationWarmup: 0, associationRamp: 0 },
  train: { collapseGuard: { enabled: false } },
}));
