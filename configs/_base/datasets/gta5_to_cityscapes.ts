// GTAV (24,966 trainval pairs) → Cityscapes train (unlabelled), evaluated on Cityscapes val.
// Augmentation and Caffe BGR normalisation as the reference (reference §4.8).
import { defineConfig } from '../../../src/config/define_config.js';

export default defineConfig({
  model: { numClasses: 19 },
  data: {
    source: { dataset: 'gtav', root: 'data/gtav', split: 'trainval' },
    target: { dataset: 'cityscapes', root: 'data/cityscapes', split: 'train' },
    val: { dataset: 'cityscapes', root: 'data/cityscapes', split: 'val' },
    resizeShort: [760, 988],
    crop: [730, 730],
    flip: true,
    evalSize: [730, 1460],
    normalization: { channelOrder: 'bgr', scale: 1, mean: [104.00698793, 116.66876762, 122.67891434], std: [1, 1, 1] },
  },
});
