// Engine gradient checks on the cpu backend (backends are process-global: one per test file).
import { gradientSuite } from './gradient_suite.js';

gradientSuite('cpu');
