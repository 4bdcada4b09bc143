// Parity with the authors' code on every fixture in fixturesDir('reference'), wasm backend.
import { defineReferenceSuite } from './reference_suite.js';

defineReferenceSuite('wasm');
