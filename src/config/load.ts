/**
 * Config files: `.json`, or `.ts`/`.js`/`.mjs` modules whose default export is a UserConfig
 * (TypeScript files are loaded through tsx when the runtime does not read them itself).
 */
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../util/atomic_write.js';
import { PlcaError } from '../util/errors.js';
import { resolveConfig } from './resolve.js';
import type { ResolvedConfig, UserConfig } from './schema.js';

/** File name of the resolved config in a run directory. */
export const RESOLVED_CONFIG_FILE = 'config.json';

/** Reads a config file; PLCA_FILE_NOT_FOUND / PLCA_CONFIG_INVALID name the file. */
export async function loadConfigFile(path: string): Promise<UserConfig> {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new PlcaError('PLCA_FILE_NOT_FOUND', `config file not found: ${path}`);
  const ext = extname(abs).toLowerCase();
  if (ext === '.json') {
    try {
      return JSON.parse(readFileSync(abs, 'utf8')) as UserConfig;
    } catch (e) {
      throw new PlcaError('PLCA_CONFIG_INVALID', `config file ${path} is not valid JSON: ${(e as Error).message}`, { cause: e });
    }
  }
  if (ext === '.ts' || ext === '.js' || ext === '.mjs' || ext === '.mts') {
    let mod: { default?: unknown };
    try {
      mod = await importModule(abs, ext);
    } catch (e) {
      // A syntax or import error in the user's module is a config problem, not a plca bug.
      throw new PlcaError('PLCA_CONFIG_INVALID', `config file ${path} could not be loaded: ${(e as Error).message.split('\n')[0]}`, {
        cause: e,
        hint: 'check the file with `npx tsc --noEmit FILE`, or run with --verbose for the location',
      });
    }
    if (mod.default === undefined) {
      throw new PlcaError('PLCA_CONFIG_INVALID', `config file ${path} has no default export`, {
        hint: 'end the file with `export default defineConfig({...})`',
      });
    }
    return mod.default as UserConfig;
  }
  throw new PlcaError('PLCA_CONFIG_INVALID', `config file ${path}: unsupported extension "${ext}" (use .json or .ts)`);
}

/**
 * Imports a config module. Plain Node (e.g. the library from dist/) cannot import TypeScript, and
 * the configs of configs/ are TypeScript: then tsx's `tsImport` loads that one file, without
 * registering anything process-wide. Under tsx or vitest the plain import works.
 */
async function importModule(abs: string, ext: string): Promise<{ default?: unknown }> {
  const url = pathToFileURL(abs).href;
  try {
    return (await import(url)) as { default?: unknown };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !(ext === '.ts' || ext === '.mts')) throw e;
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as { default?: unknown };
  }
}

/** `--config FILE` (optional) plus `--set k=v` overrides → ResolvedConfig. */
export async function loadConfig(file: string | undefined, overrides: string[] = []): Promise<ResolvedConfig> {
  const user = file === undefined ? {} : await loadConfigFile(file);
  return resolveConfig(user, overrides, { source: file });
}

/** Writes the resolved config into a run directory atomically (never half-written). */
export function saveResolvedConfig(dir: string, cfg: ResolvedConfig): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, RESOLVED_CONFIG_FILE);
  writeFileAtomic(path, `${JSON.stringify(cfg, null, 2)}\n`);
  return path;
}
