// The self-training control of issue 14: a source-only net fine-tuned on the target with its own
// confident predictions as pseudo-labels (method.selfTraining; docs/minicity.md "Controls"), CE +
// Lovász on the source kept on. The demo's arm starts it from the source-only arm's final weights
// (model.pretrained = that run) for a third of the updates; alone, give the start the same way:
//   plca train --config configs/minicity_self_training.ts --set model.pretrained=RUN_DIR
import { defineConfig, mergeConfigs } from '../src/config/define_config.js';
import sourceOnly from './minicity_source_only.js';

export default defineConfig(mergeConfigs(sourceOnly, {
  name: 'minicity_self_training',
  method: { selfTraining: { loss: 'pseudo_label', weight: 1, threshold: 0.9 } },
}));
