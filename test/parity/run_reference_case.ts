// Runs one reference fixture file (fixtures/reference/*.json) for the cpu and wasm parity tests;
// the cases themselves are in reference_cases.ts (the browser checks page runs them too).
import { basename } from 'node:path';
import { loadFixture } from '../helpers/fixtures.js';
import { runReferenceFixture, type CaseReport } from './reference_cases.js';

export { CASES, TOL, caseFor, type CaseReport } from './reference_cases.js';

/** Runs one fixture file, dense (variant 'dense') or with a small block ('blocked'). */
export function runReferenceCase(path: string, variant: 'dense' | 'blocked'): CaseReport {
  return runReferenceFixture(loadFixture(path), basename(path), variant);
}
