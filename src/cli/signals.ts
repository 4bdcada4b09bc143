/**
 * Stopping long work cleanly: the first SIGINT (Ctrl-C) or SIGTERM (what `kill`, `timeout`, a
 * supervisor or a container runtime sends) aborts an AbortController that the library watches
 * (the trainer then writes a checkpoint and throws PLCA_INTERRUPTED). The handlers are removed
 * at that moment, so a second signal gets the default action and ends the process at once, even
 * in the middle of a synchronous training step, where no JavaScript handler could run.
 * Checkpoint writes are atomic, so that kill loses at most the current update. The process exits
 * as the signal would have ended it: 128 + its number (130 for SIGINT, 143 for SIGTERM).
 */
import { PlcaError } from '../util/errors.js';
import type { OutStream } from './io.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The shell's exit status of a process ended by the signal: 128 + its number. */
export const SIGNAL_EXIT: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** PLCA_INTERRUPTED that knows which signal stopped the work, for the exit status. */
export class InterruptedError extends PlcaError {
  constructor(readonly signal: StopSignal, message: string, hint?: string) {
    super('PLCA_INTERRUPTED', message, { hint });
  }
}

/** How a signal is named to the user. */
export function describeSignal(signal: StopSignal): string {
  return signal === 'SIGINT' ? 'Ctrl-C (SIGINT)' : 'SIGTERM';
}

/** The part of `process` this module uses, injectable for tests. */
export interface SignalSource {
  on(event: StopSignal, listener: () => void): unknown;
  off(event: StopSignal, listener: () => void): unknown;
}

export interface InterruptHandle {
  signal: AbortSignal;
  /** The signal that stopped the work, once one has. */
  readonly received: StopSignal | undefined;
  /** Removes the handlers (if still installed); call when the long work has ended. */
  dispose(): void;
}

/**
 * Installs the two-stage handler.
 * @param what the work in progress, for the message ("training").
 * @param onFirst what the first signal will do, e.g. "writing a checkpoint".
 */
export function installInterruptHandler(
  stderr: OutStream,
  what: string,
  onFirst: string,
  source: SignalSource = process,
): InterruptHandle {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  const handlers = {
    SIGINT: () => handle('SIGINT'),
    SIGTERM: () => handle('SIGTERM'),
  };
  const remove = () => {
    source.off('SIGINT', handlers.SIGINT);
    source.off('SIGTERM', handlers.SIGTERM);
  };
  function handle(signal: StopSignal): void {
    // Without listeners Node restores the default action: the next signal terminates.
    remove();
    received = signal;
    const again = signal === 'SIGINT' ? 'press Ctrl-C again to exit at once' : 'a second SIGTERM exits at once';
    stderr.write(`\nplca: ${describeSignal(signal)} received, stopping ${what} and ${onFirst} (${again})\n`);
    controller.abort(new InterruptedError(signal, `${what} stopped by ${describeSignal(signal)}`));
  }
  source.on('SIGINT', handlers.SIGINT);
  source.on('SIGTERM', handlers.SIGTERM);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose: remove,
  };
}
