import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { REPO_ROOT } from './helpers/fixtures.js';

// The vendored fixtures must be byte-identical copies of ../shared/fixtures when that exists.
const shared = join(REPO_ROOT, '..', 'shared', 'fixtures');

describe('vendored fixtures', () => {
  for (const set of ['reference', 'engine']) {
    const mine = join(REPO_ROOT, 'fixtures', set);
    it(`${set}: present in the repository`, () => {
      expect(readdirSync(mine).filter((f) => f.endsWith('.json')).length).toBeGreaterThan(0);
    });
    it.skipIf(!existsSync(join(shared, set)))(`${set}: byte-identical to ../shared/fixtures/${set}`, () => {
      const theirs = readdirSync(join(shared, set)).sort();
      expect(readdirSync(mine).sort()).toEqual(theirs);
      for (const f of theirs) {
        expect(readFileSync(join(mine, f)).equals(readFileSync(join(shared, set, f))), f).toBe(true);
      }
    });
  }
});
