// The "source-only + augmentation" control of issue 14: minicity_source_only.ts with the
// photometric augmentations a practitioner would add against an unknown camera or lighting
// (data.augment, configs/_base/augment/photometric.ts — the block the PLCA default uses too;
// docs/minicity.md "Photometric augmentation"). The target stream is not used.
// A gain of PLCA is only a gain of adaptation if it beats this too.
import { defineConfig, mergeConfigs } from '../src/config/define_config.js';
import sourceOnly from './minicity_source_only.js';
import augment from './_base/augment/photometric.js';

export default defineConfig(mergeConfigs(sourceOnly, augment, {
  name: 'minicity_source_only_aug',
}));
