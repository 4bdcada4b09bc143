/**
 * A BatchStream wrapper that gives the event loop one turn before each batch. Node runs signal
 * handlers (Ctrl-C) only when the event loop turns; a training loop whose batches resolve as
 * microtasks (in-memory MiniCity streams) never lets it, so Ctrl-C would go unseen until the
 * run ends. One `setImmediate` per batch costs microseconds.
 */
import type { Batch, BatchStream } from '../../train/index.js';

export function yieldingStream(inner: BatchStream): BatchStream {
  return {
    next: async (): Promise<Batch> => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      return inner.next();
    },
    state: () => inner.state(),
    restore: (s: unknown) => inner.restore(s),
    close: inner.close === undefined ? undefined : () => inner.close!(),
  };
}
