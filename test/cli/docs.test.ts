// docs/cli.md is the CLI's own --help output: regenerate it when a command changes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCliReference } from '../../src/cli/reference.js';
import { REPO } from './run_plca.js';

describe('docs/cli.md', () => {
  it('matches every command\'s --help', async () => {
    const path = join(REPO, 'docs', 'cli.md');
    const text = await renderCliReference();
    if (process.env.PLCA_UPDATE_DOCS === '1') writeFileSync(path, text);
    expect(readFileSync(path, 'utf8'), 'run PLCA_UPDATE_DOCS=1 npx vitest run test/cli/docs.test.ts').toBe(text);
  });
});

describe('docs/troubleshooting.md', () => {
  it('explains every error code', async () => {
    const { ERROR_CODES } = await import('../../src/util/errors.js');
    const text = readFileSync(join(REPO, 'docs', 'troubleshooting.md'), 'utf8');
    for (const code of ERROR_CODES) expect(text, code).toContain(code);
  });
});
