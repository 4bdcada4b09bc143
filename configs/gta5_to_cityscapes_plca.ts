// The paper's GTAV→Cityscapes PLCA run (§4.2, Table 1 "PLCA"): Eq. (14) with β1 0.75, β2 0.1,
// β3 0.01, λ 10, spatial aggregation α 0.5, association on the full 92×92 feature grid.
// Needs far more memory than a CPU has (reference §4.3); see tiny_cpu_debug.ts for a smoke run.
import { defineConfig, mergeConfigs } from '../src/config/define_config.js';
import model from './_base/models/deeplabv2_r101.js';
import data from './_base/datasets/gta5_to_cityscapes.js';
import schedule from './_base/schedules/sgd_poly_gta5.js';
import runtime from './_base/runtime.js';

export default defineConfig(mergeConfigs(model, data, schedule, runtime, {
  name: 'gta5_to_cityscapes_plca',
  method: {
    mode: 'plca',
    weights: { ce: 1, lovasz: 0.75, association: 0.1, lsr: 0.01 },
    lsrLambda: 10,
    spatialAggAlpha: 0.5,
    associationScale: 1,
  },
}));
