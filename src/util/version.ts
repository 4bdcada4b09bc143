/** plca's version, read from its package.json (one place: the CLI's --version and exported models' `generatedBy`). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The `version` of package.json (the same path from src/ and dist/), or 'unknown' when it is not shipped beside them. */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    cached = typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    cached = 'unknown'; // a bundled build may not ship package.json
  }
  return cached;
}
