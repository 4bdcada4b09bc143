/**
 * The one place where plca errors become what the user sees: a single line
 * `plca: error [CODE]: message`, an optional hint line, and an exit status.
 * Library code only throws `PlcaError`; this module (and only the CLI) catches.
 */
import { CommanderError } from 'commander';
import { isPlcaError, PlcaError, type ErrorCode } from '../util/errors.js';
import { InterruptedError, SIGNAL_EXIT } from './signals.js';
import { isOutOfMemory, OOM_HINT, outOfMemoryError, peakRssMB } from '../util/out_of_memory.js';

/** Exit statuses. 130 = 128 + SIGINT, the shell convention for an interrupted program (143 = 128 + SIGTERM, see signals.ts). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  interrupted: 130,
} as const;

/**
 * Any thrown value as a PlcaError: a file-system error (a full or read-only disk, permissions,
 * a file where a directory should be) as the user's problem naming the path; anything else
 * unexpected as PLCA_INTERNAL (a bug in plca).
 */
export function toPlcaError(e: unknown): PlcaError {
  if (isPlcaError(e)) return e;
  const fs = fileSystemError(e);
  if (fs !== undefined) return fs;
  // an allocation that failed outside plca's guards (emscripten's abort, a wasm trap, V8): the user's
  // problem, not a bug; the trainer names the model, crop and batch (src/train/trainer.ts)
  if (isOutOfMemory(e)) return outOfMemoryError(e, 'the engine', { peakRssMB: peakRssMB() }, 'stopped');
  const message = e instanceof Error ? e.message : String(e);
  return new PlcaError('PLCA_INTERNAL', message.split('\n')[0] || 'unknown error', {
    hint: 'this is a bug in plca: rerun with --verbose and report the output',
    cause: e,
  });
}

/** System calls that only read; a failure of any other one is a failed write. */
const READ_SYSCALLS = new Set(['scandir', 'opendir', 'read', 'stat', 'lstat', 'access', 'readlink', 'realpath']);

/** Node's errno errors that name a path, as the user errors they are (see docs/troubleshooting.md). */
export function fileSystemError(e: unknown): PlcaError | undefined {
  if (!(e instanceof Error)) return undefined;
  const { code, path, syscall } = e as NodeJS.ErrnoException;
  if (typeof code !== 'string' || typeof path !== 'string') return undefined;
  const op = `${syscall ?? 'access'} ${path}`;
  const writing = !READ_SYSCALLS.has(syscall ?? '');
  const make = (c: ErrorCode, message: string, hint: string) => new PlcaError(c, message, { hint, cause: e });
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return make('PLCA_FILE_UNWRITABLE', `no space left on the disk (${op})`,
        'free some space, or write to another disk (--out); checkpoints already written are whole (they are written atomically)');
    case 'EROFS':
      return make('PLCA_FILE_UNWRITABLE', `read-only file system (${op})`, 'write to a writable disk: choose another --out');
    case 'EACCES':
    case 'EPERM':
      return make(writing ? 'PLCA_FILE_UNWRITABLE' : 'PLCA_FILE_UNREADABLE', `permission denied (${op})`,
        `check the permissions of ${path} and its directory (ls -ld), or choose another path`);
    case 'ENOTDIR':
      return make(writing ? 'PLCA_FILE_UNWRITABLE' : 'PLCA_FILE_NOT_FOUND', `a part of ${path} is a file, not a directory (${syscall ?? 'access'})`,
        'check the path; choose another --out where the path runs through a file');
    case 'EEXIST':
      return make('PLCA_FILE_UNWRITABLE', `${path} already exists (${syscall ?? 'access'})`, 'move it away, or choose another path');
    case 'EISDIR':
      return make(writing ? 'PLCA_FILE_UNWRITABLE' : 'PLCA_FILE_UNREADABLE', `${path} is a directory, where a file is needed (${syscall ?? 'access'})`,
        'give a file path, or move the directory away');
    case 'ENOENT':
      return make('PLCA_FILE_NOT_FOUND', `no such file or directory (${op})`, 'check the path and the working directory');
    default:
      return undefined;
  }
}

/**
 * What to do, for an error thrown without a hint of its own: every error line is followed by
 * a hint (the README's promise). Errors a user can meet carry a specific hint; these cover the rest.
 */
export const DEFAULT_HINTS: Record<ErrorCode, string> = {
  PLCA_INVALID_ARGUMENT: 'check the value named above; `plca COMMAND --help` lists the options and their values',
  PLCA_CONFIG_INVALID: 'run `plca config print [--config FILE]` to see every key with its value',
  PLCA_FILE_NOT_FOUND: 'check the path; relative paths are resolved against the working directory',
  PLCA_FILE_UNREADABLE: 'check that the path is a file you may read (ls -l)',
  PLCA_FILE_UNWRITABLE: 'choose another output path (--out), or make it writable',
  PLCA_IMAGE_CORRUPT: 're-export or remove the file; `plca data check` lists every broken file of a dataset',
  PLCA_SIZE_MISMATCH: '`plca data check` lists every image/label pair whose sizes differ',
  PLCA_LABEL_INVALID: '`plca data check` lists the files; --set data.unknownLabels=warn reads unknown ids as ignore',
  PLCA_DATASET_INVALID: 'check --dataset and --root against the dataset layouts in the README',
  PLCA_CHECKPOINT_INVALID: 'check --checkpoint (a .ckpt file, a checkpoints/ directory or a run directory) and that it is of this model',
  PLCA_NAN_LOSS: 'lower optim.lr and resume from the last good checkpoint (plca train --out DIR --resume --set optim.lr=…)',
  PLCA_BACKEND_UNAVAILABLE: 'use --backend wasm, which is always available',
  PLCA_OUT_OF_MEMORY: OOM_HINT,
  PLCA_INTERRUPTED: 'run the command again (plca train: with --resume)',
  PLCA_INTERNAL: 'this is a bug in plca: rerun with --verbose and report the output',
};

/** The exit status for an error: 128 + the signal for an interruption (130 Ctrl-C, 143 SIGTERM), 1 for everything else. */
export function exitCodeFor(e: PlcaError): number {
  if (e instanceof InterruptedError) return SIGNAL_EXIT[e.signal];
  return e.code === 'PLCA_INTERRUPTED' ? EXIT.interrupted : EXIT.failure;
}

/**
 * The text printed on stderr for an error. Without `verbose` it is one line (two with a
 * hint) and never a stack trace; with `verbose` the stack and the cause chain follow.
 */
export function formatError(e: PlcaError, verbose: boolean): string {
  // A message must stay on one line so scripts can grep it; extra lines go to --verbose.
  const [first, ...rest] = e.message.split('\n');
  const lines = [`plca: error [${e.code}]: ${first}`];
  lines.push(`  hint: ${e.hint ?? DEFAULT_HINTS[e.code]}`);
  if (verbose) {
    if (rest.length) lines.push(...rest);
    lines.push(stackOf(e));
    let cause = e.cause;
    for (let depth = 0; cause !== undefined && depth < 5; depth++) {
      lines.push(`caused by: ${cause instanceof Error ? stackOf(cause) : String(cause)}`);
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  } else if (e.code === 'PLCA_INTERNAL') {
    lines.push('  (run again with --verbose for the stack trace)');
  }
  return lines.join('\n') + '\n';
}

function stackOf(e: Error): string {
  return e.stack ?? `${e.name}: ${e.message}`;
}

/** Commander signals help, version and usage errors by throwing (with exitOverride). */
export function isCommanderExit(e: unknown): e is CommanderError {
  return e instanceof CommanderError;
}

/** Help and --version exit 0; every usage error exits 2, as POSIX tools do. */
export function commanderExitCode(e: CommanderError): number {
  if (e.exitCode === 0) return EXIT.ok;
  return EXIT.usage;
}
