// SYNTHIA-RAND-CITYSCAPES (9,400 pairs) → Cityscapes, the 16-class task (reference §4.7).
import { defineConfig, mergeConfigs } from '../../../src/config/define_config.js';
import gta from './gta5_to_cityscapes.js';

export default defineConfig(mergeConfigs(gta, {
  model: { numClasses: 16 },
  data: { source: { dataset: 'synthia', root: 'data/synthia', split: 'trainval' } },
}));
