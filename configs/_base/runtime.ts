// Engine defaults: the best backend available (tfjs-node, else wasm with all cores).
import { defineConfig } from '../../src/config/define_config.js';

export default defineConfig({
  runtime: { backend: 'auto', threads: null },
});
