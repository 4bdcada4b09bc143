// SYNTHIA→Cityscapes: as GTAV but stop at 8 epochs, poly horizon 10 epochs (reference §4.9).
import { defineConfig, mergeConfigs } from '../../../src/config/define_config.js';
import gta, { UPDATES_PER_EPOCH } from './sgd_poly_gta5.js';

export default defineConfig(mergeConfigs(gta, {
  train: { maxIters: 8 * UPDATES_PER_EPOCH, polyHorizon: 10 * UPDATES_PER_EPOCH },
}));
