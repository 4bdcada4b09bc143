// docs/cli.md is the CLI's own --help output: regenerate it with `npm run docs:cli` when a command
// changes. The test only reads it, so it cannot pass by rewriting its own expectation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCliReference } from '../../src/cli/reference.js';
import { REPO } from './run_plca.js';

describe('docs/cli.md', () => {
  it('matches every command\'s --help', async () => {
    const path = join(REPO, 'docs', 'cli.md');
    const text = await renderCliReference();
    expect(readFileSync(path, 'utf8'), 'docs/cli.md is out of date: run `npm run docs:cli`').toBe(text);
  });
});

describe('docs/troubleshooting.md', () => {
  it('explains every error code', async () => {
    const { ERROR_CODES } = await import('../../src/util/errors.js');
    const text = readFileSync(join(REPO, 'docs', 'troubleshooting.md'), 'utf8');
    for (const code of ERROR_CODES) expect(text, code).toContain(code);
  });
});
