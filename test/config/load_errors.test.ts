import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { PlcaError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'plca-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function codeOf(p: Promise<unknown>): Promise<[string, string]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PlcaError) return [e.code, e.message];
    throw e;
  }
  throw new Error('expected an error');
}

describe('loadConfig file errors', () => {
  it('a .ts config with a syntax error is PLCA_CONFIG_INVALID naming the file', async () => {
    const f = join(dir, 'broken.ts');
    writeFileSync(f, 'export default { model: { name: ');
    const [code, msg] = await codeOf(loadConfig(f));
    expect(code).toBe('PLCA_CONFIG_INVALID');
    expect(msg).toContain(f);
  });

  it('invalid JSON is PLCA_CONFIG_INVALID naming the file', async () => {
    const f = join(dir, 'broken.json');
    writeFileSync(f, '{"model": ');
    const [code, msg] = await codeOf(loadConfig(f));
    expect(code).toBe('PLCA_CONFIG_INVALID');
    expect(msg).toContain(f);
  });

  it('a missing file is PLCA_FILE_NOT_FOUND', async () => {
    const [code] = await codeOf(loadConfig(join(dir, 'nope.json')));
    expect(code).toBe('PLCA_FILE_NOT_FOUND');
  });
});
