/**
 * Config files: `.json`, or `.ts`/`.js`/`.mjs` modules whose default export is a UserConfig
 * (TypeScript files are compiled on import by tsx, a dependency).
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
      mod = await importConfigModule(abs, ext);
    } catch (e) {
      // A syntax or import error in the user's module is a config problem, not a plca bug.
      throw new PlcaError('PLCA_CONFIG_INVALID', `config file ${path} could not be loaded: ${moduleErrorText(e)}`, {
        cause: e,
        hint: 'fix the file at the line named above (`npx tsc --noEmit FILE` checks its types too); --verbose shows the whole error',
      });
    }
    if (mod.default === undefined) {
      throw new PlcaError('PLCA_CONFIG_INVALID', `config file ${path} has no default export`, {
        hint: 'end the file with `export default defineConfig({...})`',
      });
    }
    return mod.default as UserConfig;
  }
  throw new PlcaError('PLCA_CONFIG_INVALID', `config file ${path}: unsupported extension "${ext}"`, {
    hint: 'write the config as .json, or as .ts/.js/.mjs with `export default defineConfig({...})`',
  });
}

/**
 * Imports a config module. TypeScript goes through tsx's `tsImport`, so a .ts config loads the
 * same from the compiled CLI (plain Node, no TS loader) as from the sources, and outside a
 * `"type": "module"` package too; its default export may come wrapped once by the CommonJS interop.
 */
async function importConfigModule(abs: string, ext: string): Promise<{ default?: unknown }> {
  const url = pathToFileURL(abs).href;
  if (ext !== '.ts' && ext !== '.mts') return (await import(url)) as { default?: unknown };
  const { tsImport } = await import('tsx/esm/api');
  const mod = (await tsImport(url, import.meta.url)) as { default?: unknown };
  const inner = mod.default as { default?: unknown; __esModule?: boolean } | undefined;
  return inner !== null && typeof inner === 'object' && 'default' in inner && (inner.__esModule === true || Object.keys(inner).length === 1)
    ? { default: inner.default }
    : mod;
}

/**
 * The useful line of a module's load error: esbuild's `Transform failed with 1 error:` is
 * followed by `FILE:LINE:COL: ERROR: what`, which is the part to show.
 */
export function moduleErrorText(e: unknown): string {
  const lines = (e instanceof Error ? e.message : String(e)).split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length > 1 && /^Transform failed/.test(lines[0])) return lines[1].replace(/: ERROR: /, ': ');
  return lines[0] ?? 'unknown error';
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
