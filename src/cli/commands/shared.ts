/** Helpers the commands share: engine setup from the common flags, paths, JSON output. */
import { accessSync, constants, statSync } from 'node:fs';
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
  if (kind === 'file' && !st.isFile()) throw new PlcaError('PLCA_FILE_UNREADABLE', `${what} is not a file: ${abs}`);
  if (kind === 'dir' && !st.isDirectory()) throw new PlcaError('PLCA_FILE_UNREADABLE', `${what} is not a directory: ${abs}`);
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
