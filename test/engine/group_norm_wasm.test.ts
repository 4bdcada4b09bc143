// groupNorm checks on the wasm backend (backends are process-global: one per test file).
import { groupNormSuite } from './group_norm_suite.js';

groupNormSuite('wasm');
