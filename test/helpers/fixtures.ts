import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Fixture } from './fixture_format.js';

export type { Fixture, FixtureTensor } from './fixture_format.js';
export { isFixtureTensor } from './fixture_format.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The repository root (two levels above test/helpers). */
export const REPO_ROOT = resolve(here, '..', '..');

/**
 * Directory of a fixture set. The vendored copy in `fixtures/<set>` is the default;
 * `PLCA_FIXTURES_DIR` (reference set) or `PLCA_ENGINE_FIXTURES_DIR` (engine set) override it.
 */
export function fixturesDir(set: 'reference' | 'engine'): string {
  const env = set === 'reference' ? process.env.PLCA_FIXTURES_DIR : process.env.PLCA_ENGINE_FIXTURES_DIR;
  return env && env.length > 0 ? resolve(env) : join(REPO_ROOT, 'fixtures', set);
}

export function listFixtures(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`fixtures directory not found: ${dir}`);
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
}

export function loadFixture(path: string): Fixture {
  return JSON.parse(readFileSync(path, 'utf8')) as Fixture;
}
