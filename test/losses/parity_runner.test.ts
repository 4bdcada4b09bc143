// The parity runner itself: it rejects unknown fixture prefixes and detects wrong values, so a
// fixture set other than the vendored one (PLCA_FIXTURES_DIR) is checked the same way.
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { fixturesDir } from '../helpers/fixtures.js';
import { caseFor, runReferenceCase, TOL } from '../parity/run_reference_case.js';

const dir = mkdtempSync(join(tmpdir(), 'plca-fixtures-'));
beforeAll(async () => { await initEngine({ backend: 'cpu' }); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function variant(src: string, dst: string, edit: (f: Record<string, any>) => void): string {
  const f = JSON.parse(readFileSync(join(fixturesDir('reference'), src), 'utf8'));
  edit(f);
  writeFileSync(join(dir, dst), JSON.stringify(f));
  return join(dir, dst);
}

describe('reference parity runner', () => {
  it('fails on an unknown file-name prefix, naming the file', () => {
    expect(() => caseFor('conv_thing.json')).toThrow(/unknown reference fixture prefix: conv_thing.json/);
  });
  it('passes an unmodified copy and reports a perturbed loss or gradient', () => {
    const same = variant('lsr_soft.json', 'lsr_copy.json', () => {});
    expect(runReferenceCase(same, 'dense').maxRelError).toBeLessThanOrEqual(TOL);
    const badLoss = variant('lsr_soft.json', 'lsr_badloss.json', (f) => { f.outputs.loss *= 1.001; });
    expect(runReferenceCase(badLoss, 'dense').checks.loss).toBeGreaterThan(TOL);
    const badGrad = variant('lsr_soft.json', 'lsr_badgrad.json', (f) => { f.outputs.gradLogits.data[7] += 1e-3; });
    expect(runReferenceCase(badGrad, 'dense').checks.gradLogits).toBeGreaterThan(TOL);
  });
  it('checks association indices exactly', () => {
    const bad = variant('fass_plain.json', 'fass_badindex.json', (f) => {
      const d = f.outputs.midIndex.data as number[];
      d[0] = (d[0] + 1) % 36;
    });
    const r = runReferenceCase(bad, 'dense');
    expect(r.checks.midIndex).toBe(1); // one entry differs: counted, and it fails the case
    expect(r.maxRelError).toBeGreaterThan(TOL);
  });
  it('reads the spatial-aggregation flag from the description', () => {
    const off = variant('fass_spagg.json', 'fass_flag.json', (f) => { f.description = f.description.replace('spatial aggregation=True', 'spatial aggregation=False'); });
    // without aggregation the associations change: the run must notice
    const r = runReferenceCase(off, 'dense');
    expect(r.checks.midIndex).toBeGreaterThan(0);
    expect(r.maxRelError).toBeGreaterThan(TOL);
  });
});
