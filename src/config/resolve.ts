/**
 * User config + `--set` overrides → ResolvedConfig, in one place. Errors are
 * PLCA_CONFIG_INVALID and name every offending key path (e.g. `optim.lr`).
 */
import { z } from 'zod';
import { PlcaError } from '../util/errors.js';
import { ConfigSchema, type ResolvedConfig, type UserConfig } from './schema.js';
import { MODE_SWITCHES, needsTarget } from './modes.js';

export interface ResolveOptions {
  /** Where the user config came from (a file path), named in error messages. */
  source?: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Validates `user` with every `key.path=value` override applied, fills the defaults and the
 * mode's objective switches.
 * @param user a (partial) config, e.g. a config file's default export
 * @param overrides `a.b=value` strings; the value is read as JSON when it parses, else as a string
 */
export function resolveConfig(user: UserConfig | unknown = {}, overrides: string[] = [], opts: ResolveOptions = {}): ResolvedConfig {
  const from = opts.source ? ` in ${opts.source}` : '';
  if (typeof user !== 'object' || user === null || Array.isArray(user)) {
    throw new PlcaError('PLCA_CONFIG_INVALID', `config${from} must be an object, got ${describe(user)}`);
  }
  let merged = structuredClone(user) as Record<string, unknown>;
  for (const o of overrides) merged = applyOverride(merged, o);
  const r = ConfigSchema.safeParse(merged);
  if (!r.success) {
    throw new PlcaError('PLCA_CONFIG_INVALID', `invalid config${from}: ${formatIssues(r.error.issues)}`, {
      hint: 'run `plca config print` to see every key and its default',
    });
  }
  const parsed = r.data;
  const switches = { ...MODE_SWITCHES[parsed.method.mode] };
  for (const [k, v] of Object.entries(parsed.method.switches)) {
    if (v !== undefined) (switches as Record<string, boolean>)[k] = v;
  }
  const cfg: ResolvedConfig = { ...parsed, method: { ...parsed.method, switches } };
  checkConsistency(cfg, from);
  return cfg;
}

function checkConsistency(cfg: ResolvedConfig, from: string): void {
  if (cfg.train.polyHorizon < cfg.train.maxIters) {
    throw new PlcaError('PLCA_CONFIG_INVALID',
      `invalid config${from}: train.polyHorizon (${cfg.train.polyHorizon}) must be ≥ train.maxIters (${cfg.train.maxIters}); the poly factor would go negative`);
  }
  if (needsTarget(cfg.method.switches) && cfg.data.target === null) {
    throw new PlcaError('PLCA_CONFIG_INVALID',
      `invalid config${from}: data.target is null but method.mode "${cfg.method.mode}" needs target batches`);
  }
}

/** Sets `a.b.c=value` on a copy of `obj`; intermediate objects are created as needed. */
export function applyOverride(obj: Record<string, unknown>, override: string): Record<string, unknown> {
  const eq = override.indexOf('=');
  const path = eq > 0 ? override.slice(0, eq).trim() : '';
  const keys = path.split('.');
  if (eq <= 0 || keys.some((k) => k.length === 0)) {
    throw new PlcaError('PLCA_CONFIG_INVALID', `override "${override}" must look like key.path=value`);
  }
  const value = parseValue(override.slice(eq + 1));
  const out = structuredClone(obj);
  let node: Record<string, unknown> = out;
  for (let i = 0; i < keys.length - 1; i++) {
    const next = node[keys[i]];
    if (next === undefined || next === null) node[keys[i]] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) {
      throw new PlcaError('PLCA_CONFIG_INVALID',
        `override "${override}": ${keys.slice(0, i + 1).join('.')} is ${describe(next)}, not an object`);
    }
    node = node[keys[i]] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
  return out;
}

/** JSON when it parses (numbers, booleans, null, arrays, quoted strings), else the raw string. */
function parseValue(raw: string): Json {
  const s = raw.trim();
  try {
    return JSON.parse(s) as Json;
  } catch {
    return s;
  }
}

function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues.map((i) => {
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => `unknown key "${[...i.path, k].join('.')}"`).join('; ');
    }
    const path = i.path.length > 0 ? i.path.join('.') : '(root)';
    return `"${path}": ${i.message}`;
  }).join('; ');
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string "${v}"` : `${typeof v} ${String(v)}`;
}
