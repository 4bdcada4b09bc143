// DeepLab-V2 with ResNet-101, output stride 8, as the released configs (reference §4.10).
import { defineConfig } from '../../../src/config/define_config.js';

export default defineConfig({
  model: { name: 'deeplabv2_resnet101', numClasses: 19 },
});
