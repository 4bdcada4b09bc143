/** Helpers the commands share: engine setup from the common flags, paths, JSON output. */
import { accessSync, constants, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { PlcaError } from '../../util/errors.js';
import type { CliIo } from '../io.js';
import type { CommonOptions } from '../options.js';

/** Starts the TF.js engine the flags ask for; with --verbose, says which one runs. */
export async function setupEngine(io: CliIo, opts: Partial<CommonOptions>): Promise<void> {
  const { initEngine } = await import('../../engine/index.js');
  const info = await initEngine({ backend: opts.backend ?? 'auto', threads: opts.threads });
  if (opts.verbose) io.stderr.write(`plca: engine ${info.backend}, ${info.threads} thread(s), simd ${info.simd}\n`);
}

/**
 * Warns when more wasm threads are asked for than the machine has cores: the extra threads only
 * take turns on the cores (and spin while they wait), so the run gets slower, not faster.
 * @param from what asked for them, e.g. '--threads' or 'runtime.threads (from the config)'
 */
export function warnThreads(io: CliIo, threads: number | null | undefined, from: string): void {
  const cores = availableParallelism();
  if (threads === null || threads === undefined || threads <= cores) return;
  io.stderr.write(`plca: warning: ${from} is ${threads}, more threads than this machine's ${cores} core(s); ` +
    `the extra ones only take turns (slower, not faster): use --threads ${cores} or fewer\n`);
}

/** Resolves a user path against the working directory. */
export function userPath(io: CliIo, p: string): string {
  return resolve(io.cwd, p);
}

/**
 * Checks that a path the user named exists, is of the right kind and is readable, so the
 * error names it before any library work starts.
 */
export function requirePath(io: CliIo, p: string, kind: 'file' | 'dir' | 'any', what: string): string {
  const abs = userPath(io, p);
  let st;
  try {
    st = statSync(abs);
  } catch {
    throw new PlcaError('PLCA_FILE_NOT_FOUND', `${what} not found: ${abs}`, { hint: 'check the path and the working directory' });
  }
  if (kind === 'file' && !st.isFile()) throw new PlcaError('PLCA_FILE_UNREADABLE', `${what} is not a file: ${abs}`, { hint: 'give the path of a file, not of a directory' });
  if (kind === 'dir' && !st.isDirectory()) throw new PlcaError('PLCA_FILE_UNREADABLE', `${what} is not a directory: ${abs}`, { hint: 'give the path of a directory' });
  try {
    accessSync(abs, constants.R_OK);
  } catch {
    throw new PlcaError('PLCA_FILE_UNREADABLE', `${what} is not readable: ${abs}`, { hint: 'check its permissions' });
  }
  return abs;
}

/** Prints one JSON object on stdout (the whole of stdout under --json). */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
