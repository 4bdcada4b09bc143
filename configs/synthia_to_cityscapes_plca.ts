// The paper's SYNTHIA→Cityscapes PLCA run: 16 classes, 8 of 10 poly epochs (reference §4.9);
// the objective as gta5_to_cityscapes_plca.ts.
import { defineConfig, mergeConfigs } from '../src/config/define_config.js';
import model from './_base/models/deeplabv2_r101.js';
import data from './_base/datasets/synthia_to_cityscapes.js';
import schedule from './_base/schedules/sgd_poly_synthia.js';
import runtime from './_base/runtime.js';
import gta from './gta5_to_cityscapes_plca.js';

export default defineConfig(mergeConfigs(model, data, schedule, runtime, {
  name: 'synthia_to_cityscapes_plca',
  method: gta.method,
}));
