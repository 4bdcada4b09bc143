/**
 * User config + `--set` overrides → ResolvedConfig, in one place. Errors are
 * PLCA_CONFIG_INVALID and name every offending key path (e.g. `optim.lr`).
 */
import { z } from 'zod';
import { PlcaError } from '../util/errors.js';
import { ConfigSchema, type ResolvedConfig, type UserConfig } from './schema.js';
import { MODE_SWITCHES, methodNeedsTarget } from './modes.js';

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
  if (!r.success) throw issuesError(r.error.issues, user, overrides, opts.source);
  const parsed = r.data;
  const switches = { ...MODE_SWITCHES[parsed.method.mode] };
  for (const [k, v] of Object.entries(parsed.method.switches)) {
    if (v !== undefined) (switches as Record<string, boolean>)[k] = v;
  }
  const cfg: ResolvedConfig = { ...parsed, method: { ...parsed.method, switches } };
  checkConsistency(cfg, overrides, opts.source);
  return cfg;
}

function checkConsistency(cfg: ResolvedConfig, overrides: readonly string[], source: string | undefined): void {
  if (cfg.train.polyHorizon < cfg.train.maxIters) {
    const where = blame([['train', 'polyHorizon'], ['train', 'maxIters']], overrides, source);
    throw new PlcaError('PLCA_CONFIG_INVALID',
      `invalid config${where}: train.polyHorizon (${cfg.train.polyHorizon}) must be ≥ train.maxIters (${cfg.train.maxIters}); the poly factor would go negative`, {
        hint: `set both, e.g. --set train.maxIters=${cfg.train.maxIters} --set train.polyHorizon=${cfg.train.maxIters}`,
      });
  }
  const { associationWarmup: warm, associationRamp: ramp } = cfg.method;
  if (warm + ramp > 1) {
    const where = blame([['method', 'associationWarmup'], ['method', 'associationRamp']], overrides, source);
    throw new PlcaError('PLCA_CONFIG_INVALID',
      `invalid config${where}: method.associationWarmup (${warm}) + method.associationRamp (${ramp}) must be ≤ 1; both are shares of train.maxIters`);
  }
  if (methodNeedsTarget(cfg.method) && cfg.data.target === null) {
    const where = blame([['data', 'target'], ['method', 'mode']], overrides, source);
    throw new PlcaError('PLCA_CONFIG_INVALID',
      `invalid config${where}: data.target is null but method.mode "${cfg.method.mode}"${cfg.method.selfTraining.loss === 'none' ? '' : ` with method.selfTraining.loss "${cfg.method.selfTraining.loss}"`} needs target batches`, {
        hint: 'give data.target (the unlabelled target domain), or --set method.mode=source_only',
      });
  }
}

/** The shortest prefix of `path` that `user` has no value at (all of `path` when it has them all). */
function firstMissing(user: object, path: readonly PropertyKey[]): PropertyKey[] {
  let node: unknown = user;
  for (let j = 0; j < path.length; j++) {
    if (node === null || typeof node !== 'object' || !(path[j] in node)) return path.slice(0, j + 1);
    node = (node as Record<PropertyKey, unknown>)[path[j]];
  }
  return [...path];
}

/** The overrides that set `path`, a key above it or one below it. */
function overridesOf(path: readonly PropertyKey[], overrides: readonly string[]): string[] {
  const p = path.map(String);
  return overrides.filter((o) => {
    const keys = o.slice(0, Math.max(0, o.indexOf('='))).trim().split('.');
    const n = Math.min(keys.length, p.length);
    return keys.slice(0, n).every((k, i) => k === p[i]);
  });
}

/** " in FILE", " (from --set a=b)" or both: where the values behind `paths` came from. */
function blame(paths: readonly (readonly PropertyKey[])[], overrides: readonly string[], source: string | undefined): string {
  const sets = [...new Set(paths.flatMap((p) => overridesOf(p, overrides)))];
  const file = source ? ` in ${source}` : '';
  return sets.length === 0 ? file : `${file} (with ${sets.map((o) => `--set ${o}`).join(', ')})`;
}

/**
 * PLCA_CONFIG_INVALID naming every bad key, each blamed on where its value came from: a `--set`
 * override, or the config file (never the file for a value the user typed on the command line).
 */
function issuesError(issues: z.core.$ZodIssue[], user: object, overrides: readonly string[], source: string | undefined): PlcaError {
  const fromFile: z.core.$ZodIssue[] = [];
  const fromSet = new Map<string, z.core.$ZodIssue[]>();
  for (const i of issues) {
    const path = i.code === 'unrecognized_keys' ? [...i.path, i.keys[0]] : i.path;
    // The override that set this key (the last one wins, as it does when applied), or the one
    // that created the object holding it (`--set data.source.root=…` without a data.source).
    const set = overridesOf(path, overrides).pop() ?? overridesOf(firstMissing(user, path), overrides).pop();
    if (set === undefined) fromFile.push(i);
    else fromSet.set(set, [...(fromSet.get(set) ?? []), i]);
  }
  const parts: string[] = [];
  if (fromFile.length > 0) parts.push(`invalid config${source ? ` in ${source}` : ''}: ${formatIssues(fromFile)}`);
  for (const [set, list] of fromSet) parts.push(`invalid --set ${set}: ${formatIssues(list)}`);
  return new PlcaError('PLCA_CONFIG_INVALID', parts.join('; '), {
    hint: 'run `plca config print` to see every key and its default',
  });
}

/** Sets `a.b.c=value` on a copy of `obj`; intermediate objects are created as needed. */
export function applyOverride(obj: Record<string, unknown>, override: string): Record<string, unknown> {
  const eq = override.indexOf('=');
  const path = eq > 0 ? override.slice(0, eq).trim() : '';
  const keys = path.split('.');
  if (eq <= 0 || keys.some((k) => k.length === 0)) {
    throw new PlcaError('PLCA_CONFIG_INVALID', `override "${override}" must look like key.path=value`);
  }
  const value = parseValue(override.slice(eq + 1), keys, override);
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

/**
 * An override's value: JSON (numbers, true/false/null, [..], {..}, "quoted strings"). A bare word
 * that is not JSON is taken as text only where the key takes text (paths, names, modes:
 * `--set data.source.root=/data/gta5`); anywhere else it is an error, not a silent string
 * (`--set data.crop=[512,512` or `--set data.val=nul` would otherwise fail later, or never).
 */
function parseValue(raw: string, keys: readonly string[], override: string): Json {
  const s = raw.trim();
  try {
    return JSON.parse(s) as Json;
  } catch (e) {
    const at = schemasAt(ConfigSchema, keys);
    if (at.length === 0 || at.some(takesText)) return s; // unknown keys are reported by the schema
    throw new PlcaError('PLCA_CONFIG_INVALID', `--set ${override}: ${JSON.stringify(s)} is not valid JSON (${(e as Error).message})`, {
      hint: `${keys.join('.')} takes ${expectedKinds(at)}, written as JSON: numbers, true/false/null, [1, 2], {"key": 1}`,
    });
  }
}

type Schema = z.core.$ZodType;

/** The schemas a value at `keys` must fit (the alternatives of unions, wrappers removed); none for an unknown key. */
function schemasAt(schema: Schema, keys: readonly string[]): Schema[] {
  let at = alternatives(schema);
  for (const k of keys) {
    at = at.flatMap((s) => {
      const def = s._zod.def as { type: string; shape?: Record<string, Schema>; valueType?: Schema };
      if (def.type === 'object' && def.shape?.[k] !== undefined) return alternatives(def.shape[k]);
      if (def.type === 'record' && def.valueType !== undefined) return alternatives(def.valueType);
      return [];
    });
  }
  return at;
}

function alternatives(schema: Schema): Schema[] {
  const def = schema._zod.def as { type: string; innerType?: Schema; in?: Schema; options?: Schema[] };
  if (def.type === 'nullable' && def.innerType !== undefined) return [...alternatives(def.innerType), z.null()];
  if (def.innerType !== undefined) return alternatives(def.innerType); // optional, default, readonly, ...
  if (def.type === 'pipe' && def.in !== undefined) return alternatives(def.in);
  if (def.type === 'union' && def.options !== undefined) return def.options.flatMap(alternatives);
  return [schema];
}

function takesText(s: Schema): boolean {
  return ['string', 'enum', 'literal', 'template_literal'].includes(s._zod.def.type);
}

function expectedKinds(at: Schema[]): string {
  const names: Record<string, string> = { number: 'a number', boolean: 'true or false', tuple: 'an array', array: 'an array', object: 'an object', record: 'an object', null: 'null' };
  return [...new Set(at.map((s) => names[s._zod.def.type] ?? s._zod.def.type))].join(' or ');
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
