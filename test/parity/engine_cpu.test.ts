// Engine ops against the PyTorch engine fixtures on the cpu backend (one backend per test file).
import { afterAll } from 'vitest';
import { fixtureSuite, measured } from '../engine/fixture_suite.js';

fixtureSuite('cpu');
afterAll(() => {
  if (process.env.PLCA_PRINT_ERRORS) console.log(JSON.stringify({ backend: 'cpu', relErrors: measured }));
});
