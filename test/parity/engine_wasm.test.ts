// Engine ops against the PyTorch engine fixtures on the wasm backend (one backend per test file).
import { afterAll } from 'vitest';
import { fixtureSuite, measured } from '../engine/fixture_suite.js';

fixtureSuite('wasm');
afterAll(() => {
  if (process.env.PLCA_PRINT_ERRORS) console.log(JSON.stringify({ backend: 'wasm', relErrors: measured }));
});
