/**
 * The one place where plca errors become what the user sees: a single line
 * `plca: error [CODE]: message`, an optional hint line, and an exit status.
 * Library code only throws `PlcaError`; this module (and only the CLI) catches.
 */
import { CommanderError } from 'commander';
import { isPlcaError, PlcaError } from '../util/errors.js';

/** Exit statuses. 130 = 128 + SIGINT, the shell convention for an interrupted program. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  interrupted: 130,
} as const;

/** Any thrown value as a PlcaError; unexpected ones become PLCA_INTERNAL (a bug in plca). */
export function toPlcaError(e: unknown): PlcaError {
  if (isPlcaError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new PlcaError('PLCA_INTERNAL', message.split('\n')[0] || 'unknown error', {
    hint: 'this is a bug in plca: rerun with --verbose and report the output',
    cause: e,
  });
}

/** The exit status for an error: 130 for an interruption, 1 for everything else. */
export function exitCodeFor(e: PlcaError): number {
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
  if (e.hint) lines.push(`  hint: ${e.hint}`);
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
