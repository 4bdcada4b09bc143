// Parity with the authors' code on every fixture in fixturesDir('reference'), cpu backend.
import { defineReferenceSuite } from './reference_suite.js';

defineReferenceSuite('cpu');
