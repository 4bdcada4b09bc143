// MiniCity, the embedded procedural benchmark (docs/minicity.md): 64×128 images, 9 classes,
// "game" source → camera-style target at the mild gap k = 0.6; 1000 training images per domain
// and 200 validation images, as `plca demo`. Input (x/255 − 0.5)/0.25.
import { defineConfig } from '../../../src/config/define_config.js';

export default defineConfig({
  model: { numClasses: 9 },
  data: {
    source: { dataset: 'minicity', root: 'minicity', split: 'source_train' },
    target: { dataset: 'minicity', root: 'minicity', split: 'target_train' },
    val: { dataset: 'minicity', root: 'minicity', split: 'target_val' },
    resizeShort: [64, 64],
    crop: [64, 128],
    flip: true,
    evalSize: [64, 128],
    normalization: { channelOrder: 'rgb', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    minicity: { targetGap: 0.6, trainImages: 1000, valImages: 200, size: [64, 128] },
    workers: 0,
  },
});
