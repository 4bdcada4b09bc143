// The photometric augmentation of the labelled source stream that a practitioner would add against
// an unknown camera or lighting (data.augment; docs/minicity.md "Photometric augmentation"): the
// source-only + augmentation control (minicity_source_only_aug.ts) and the PLCA default
// (minicity_plca.ts) use the same block, so the control differs from PLCA only by the adaptation.
import { defineConfig } from '../../../src/config/define_config.js';

export default defineConfig({
  data: {
    augment: { brightness: 0.4, contrast: 0.4, saturation: 0.5, colour: 0.15, gamma: 0.4, blur: 1.5, blurProb: 0.5, noise: 0.05 },
  },
});

/** The same keys at 0: augmentation off (the plain source-only baseline). */
export const NO_AUGMENT = {
  data: { augment: { brightness: 0, contrast: 0, saturation: 0, colour: 0, gamma: 0, blur: 0, blurProb: 0.5, noise: 0 } },
};
