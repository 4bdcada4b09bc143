// The parity suite body shared by the cpu and wasm test files: one test per fixture file and
// variant; a table of the largest relative error per fixture is printed at the end.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { fixturesDir, listFixtures } from '../helpers/fixtures.js';
import { type CaseReport, caseFor, runReferenceCase, TOL } from './run_reference_case.js';

export function defineReferenceSuite(backend: 'cpu' | 'wasm'): void {
  const dir = fixturesDir('reference');
  const files = listFixtures(dir);
  const reports: CaseReport[] = [];
  describe(`reference parity (${backend}, ${dir})`, () => {
    beforeAll(async () => { await initEngine({ backend }); });
    afterAll(() => {
      const rows = reports.map((r) => `${r.file.padEnd(22)} ${r.variant.padEnd(8)} ${r.maxRelError.toExponential(2)}  ` +
        Object.entries(r.checks).map(([k, v]) => `${k}=${v.toExponential(1)}`).join(' '));
      console.log(`largest relative error per fixture (${backend}):\n${rows.join('\n')}`);
    });
    it('has fixtures, all with a known prefix', () => {
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(() => caseFor(f)).not.toThrow();
    });
    for (const file of files) {
      const variants: Array<'dense' | 'blocked'> = ['dense'];
      let blocked = false;
      try { blocked = caseFor(file)[1]; } catch { /* reported by the test below */ }
      if (blocked) variants.push('blocked');
      for (const variant of variants) {
        it(`${file} (${variant})`, () => {
          const before = tf.memory().numTensors;
          const r = runReferenceCase(join(dir, file), variant);
          reports.push(r);
          for (const [k, v] of Object.entries(r.checks)) expect(v, `${file} ${variant} ${k}`).toBeLessThanOrEqual(TOL);
          expect(tf.memory().numTensors, 'live tensors after the case').toBe(before);
        });
      }
    }
  });
}
