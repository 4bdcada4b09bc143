/**
 * Ctrl-C during long work: the first SIGINT (or SIGTERM) aborts an AbortController that the
 * library watches (the trainer then writes a checkpoint and throws PLCA_INTERRUPTED). The
 * handlers are removed at that moment, so a second Ctrl-C gets the default action and ends the
 * process at once, even in the middle of a synchronous training step, where no JavaScript
 * handler could run. Checkpoint writes are atomic, so that kill loses at most the current update.
 */
import { PlcaError } from '../util/errors.js';
import type { OutStream } from './io.js';

/** The part of `process` this module uses, injectable for tests. */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

export interface InterruptHandle {
  signal: AbortSignal;
  /** Removes the handlers (if still installed); call when the long work has ended. */
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
  source: SignalSource = process,
): InterruptHandle {
  const controller = new AbortController();
  const remove = () => {
    source.off('SIGINT', handler);
    source.off('SIGTERM', handler);
  };
  function handler(): void {
    // Without listeners Node restores the default action: the next Ctrl-C terminates.
    remove();
    stderr.write(`\nplca: interrupted, stopping ${what} and ${onFirst} (press Ctrl-C again to exit at once)\n`);
    controller.abort(new PlcaError('PLCA_INTERRUPTED', `${what} interrupted by the user`));
  }
  source.on('SIGINT', handler);
  source.on('SIGTERM', handler);
  return { signal: controller.signal, dispose: remove };
}
