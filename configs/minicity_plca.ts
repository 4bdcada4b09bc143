// PLCA on MiniCity with the small GroupNorm net: the PLCA arm of `plca demo` and of
// `plca bench minicity` (docs/minicity.md). Deviations from the paper, both for scale:
// association weight β2 = 0.02 (0.1 was unstable at this scale), and association on the
// stride-8 grid (associationScale 0.5 of the stride-4 features, the reference's downsampling path).
// Stabilisers (docs/minicity.md, "Never worse than the start"), chosen by measurement on target
// styles the defaults were not tuned on: the source stream's photometric augmentation (the same
// block as the source-only + augmentation control), a source-only warm-up of 1/3 of the updates, a
// linear ramp of β2 over the next 1/6, and the collapse guard.
import { defineConfig, mergeConfigs } from '../src/config/define_config.js';
import data from './_base/datasets/minicity.js';
import schedule from './_base/schedules/sgd_poly_cpu.js';
import runtime from './_base/runtime.js';
import augment from './_base/augment/photometric.js';

export default defineConfig(mergeConfigs(data, schedule, runtime, augment, {
  name: 'minicity_plca',
  model: { name: 'minicity_gn' },
  method: {
    mode: 'plca',
    weights: { ce: 1, lovasz: 0.75, association: 0.02, lsr: 0.01 },
    associationScale: 0.5,
    associationWarmup: 1 / 3,
    associationRamp: 1 / 6,
  },
  train: { collapseGuard: { enabled: true } },
}));
