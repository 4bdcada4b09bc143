// The "source-only + augmentation" control of issue 14: minicity_source_only.ts with the
// photometric augmentations a practitioner would add against an unknown camera or lighting
// (data.augment; docs/minicity.md "Photometric augmentation"). The target stream is not used.
// A gain of PLCA is only a gain of adaptation if it beats this too.
import { defineConfig, mergeConfigs } from '../src/config/define_config.js';
import sourceOnly from './minicity_source_only.js';

export default defineConfig(mergeConfigs(sourceOnly, {
  name: 'minicity_source_only_aug',
  data: {
    augment: { brightness: 0.4, contrast: 0.4, saturation: 0.5, colour: 0.15, gamma: 0.4, blur: 1.5, blurProb: 0.5, noise: 0.05 },
  },
}));
