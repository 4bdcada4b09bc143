/**
 * Ctrl-C during long work: the first SIGINT (or SIGTERM) aborts an AbortController that the
 * library watches (the trainer then writes a checkpoint and throws PLCA_INTERRUPTED); a second
 * one exits at once with status 130, without waiting for the checkpoint.
 */
import { PlcaError } from '../util/errors.js';
import { EXIT } from './errors.js';
import type { OutStream } from './io.js';

/** The part of `process` this module uses, injectable for tests. */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  exit(code: number): never;
}

export interface InterruptHandle {
  signal: AbortSignal;
  /** Removes the handlers; call when the long work has ended. */
  dispose(): void;
}

/**
 * Installs the two-stage interrupt handler.
 * @param what the work in progress, for the message ("training").
 * @param onFirst what the first interrupt will do, e.g. "writing a checkpoint".
 */
export function installInterruptHandler(
  stderr: OutStream,
  what: string,
  onFirst: string,
  source: SignalSource = process as unknown as SignalSource,
): InterruptHandle {
  const controller = new AbortController();
  const handler = () => {
    if (!controller.signal.aborted) {
      stderr.write(`\nplca: interrupted, stopping ${what} and ${onFirst} (press Ctrl-C again to exit at once)\n`);
      controller.abort(new PlcaError('PLCA_INTERRUPTED', `${what} interrupted by the user`));
      return;
    }
    stderr.write('\nplca: interrupted again, exiting now\n');
    source.exit(EXIT.interrupted);
  };
  source.on('SIGINT', handler);
  source.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      source.off('SIGINT', handler);
      source.off('SIGTERM', handler);
    },
  };
}
