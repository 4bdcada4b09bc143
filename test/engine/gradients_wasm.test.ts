// Engine gradient checks on the wasm backend (backends are process-global: one per test file).
import { gradientSuite } from './gradient_suite.js';

gradientSuite('wasm');
