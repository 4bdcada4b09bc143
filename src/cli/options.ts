/**
 * The typed table of options shared by the commands, so every command spells `--config`,
 * `--set`, `--out`, `--json`, `--seed`, `--backend`, `--threads` and `--verbose` the same way
 * (the vitest `cli-config.ts` habit). A command picks the names it supports.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';

export const BACKENDS = ['auto', 'wasm', 'cpu', 'tensorflow'] as const;
export type CliBackend = (typeof BACKENDS)[number];

interface OptionSpec {
  flags: string;
  description: string;
  parse?: (value: string, previous: never) => unknown;
  choices?: readonly string[];
  /** Shown in --help. */
  defaultValue?: unknown;
  /** Filled in after parsing but not shown in --help (`[]`, `false` say nothing useful there). */
  silentDefault?: unknown;
}

/** Parses a non-negative integer option value, or tells commander it is invalid (exit 2). */
export function parseInteger(name: string, min = 0): (value: string) => number {
  return (value: string) => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} must be an integer, got "${value}".`);
    const n = Number(value);
    if (n < min) throw new InvalidArgumentError(`${name} must be ≥ ${min}, got ${n}.`);
    return n;
  };
}

/** Parses a `key=value` override and appends it to the list (repeatable flag). */
export function collectOverride(value: string, previous: string[] = []): string[] {
  if (!/^[A-Za-z_][\w.]*=/.test(value)) {
    throw new InvalidArgumentError(`expected key=value (e.g. train.maxIters=100), got "${value}".`);
  }
  return [...previous, value];
}

export const COMMON_OPTIONS = {
  config: { flags: '-c, --config <file>', description: 'experiment config file (.ts, .js or .json)' },
  set: {
    flags: '--set <key=value>',
    description: 'override one config key, e.g. --set train.maxIters=200 (repeatable; the value is JSON, or plain text for a text key)',
    parse: collectOverride,
    silentDefault: [],
  },
  out: { flags: '-o, --out <dir>', description: 'output directory' },
  json: { flags: '--json', description: 'print one JSON object on stdout (no progress bar)', silentDefault: false },
  seed: { flags: '--seed <n>', description: 'random seed', parse: parseInteger('--seed') },
  backend: {
    flags: '--backend <name>',
    description: 'TF.js backend (auto = tfjs-node when installed, else wasm)',
    choices: BACKENDS,
    defaultValue: 'auto',
  },
  threads: { flags: '--threads <n>', description: 'wasm threads (default: number of cores)', parse: parseInteger('--threads', 1) },
  verbose: { flags: '-v, --verbose', description: 'debug output and stack traces on errors', silentDefault: false },
} as const satisfies Record<string, OptionSpec>;

export type CommonOptionName = keyof typeof COMMON_OPTIONS;

/** The parsed values of the common options (each command sees the ones it declared). */
export interface CommonOptions {
  config?: string;
  set: string[];
  out?: string;
  json: boolean;
  seed?: number;
  backend: CliBackend;
  threads?: number;
  verbose: boolean;
}

/** Adds the named common options to `cmd`; `--verbose` is always added. */
export function addCommonOptions(cmd: Command, names: readonly CommonOptionName[]): Command {
  const all = names.includes('verbose') ? names : [...names, 'verbose' as const];
  for (const name of all) cmd.addOption(makeOption(COMMON_OPTIONS[name]));
  return cmd;
}

function makeOption(spec: OptionSpec): Option {
  const opt = new Option(spec.flags, spec.description);
  if (spec.choices) opt.choices(spec.choices);
  if (spec.parse) opt.argParser(spec.parse as (v: string, p: unknown) => unknown);
  if (spec.defaultValue !== undefined) opt.default(spec.defaultValue);
  return opt;
}

/** Fills the silent defaults of the common options that `cmd` declares and the user left out. */
export function withSilentDefaults(cmd: Command, opts: Record<string, unknown>): Record<string, unknown> {
  const out = { ...opts };
  for (const spec of Object.values(COMMON_OPTIONS) as OptionSpec[]) {
    if (spec.silentDefault === undefined) continue;
    const declared = cmd.options.find((o) => o.flags === spec.flags);
    if (declared && out[declared.attributeName()] === undefined) out[declared.attributeName()] = structuredClone(spec.silentDefault);
  }
  return out;
}

/** True when argv asks for stack traces, read before parsing so parse errors honour it. */
export function argvWantsVerbose(argv: readonly string[]): boolean {
  return argv.includes('--verbose') || argv.includes('-v');
}
