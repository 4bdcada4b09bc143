// The import graph of src/ has no cycle, between files or between modules (scripts/check_imports.ts,
// with madge): shared contracts live in the lowest module that needs them.
import { describe, expect, it } from 'vitest';
import { checkImports, findCycles } from '../scripts/check_imports.js';

describe('src/ import graph', () => {
  it('finds cycles in a graph (the checker itself)', () => {
    expect(findCycles({ a: ['b'], b: ['c', 'a'], c: [] })).toEqual([['a', 'b']]);
    expect(findCycles({ x: ['y'], y: ['z'], z: ['x'], w: ['x'] })).toEqual([['x', 'y', 'z']]);
    expect(findCycles({ a: ['b'], b: [] })).toEqual([]);
  });

  it('the public entry loads as a module (every name it re-exports is a value at run time)', async () => {
    const api = await import('../src/index.js');
    for (const name of ['runDemo', 'runTraining', 'plcaObjective', 'Rng', 'mulberry32', 'createModel', 'loadConfig']) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
    }
  }, 60_000);

  it('has no file cycle and no module cycle', async () => {
    const r = await checkImports();
    expect(r.files).toBeGreaterThan(100);
    expect(r.fileCycles).toEqual([]);
    expect(r.moduleCycles).toEqual([]);
    // The lowest modules import nothing above them.
    expect(r.moduleGraph.util ?? []).toEqual([]);
  });
});
