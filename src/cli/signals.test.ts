import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installInterruptHandler } from './signals.js';

describe('interrupt handler', () => {
  it('aborts on the first Ctrl-C and hands the second one to the default action', () => {
    const proc = new EventEmitter();
    let err = '';
    const h = installInterruptHandler({ write: (s: string) => (err += s) }, 'training', 'writing a checkpoint', proc);
    expect(proc.listenerCount('SIGINT')).toBe(1);
    expect(h.signal.aborted).toBe(false);
    proc.emit('SIGINT');
    expect(h.signal.aborted).toBe(true);
    expect((h.signal.reason as { code: string }).code).toBe('PLCA_INTERRUPTED');
    expect(err).toContain('writing a checkpoint');
    expect(err).toContain('press Ctrl-C again');
    // No listener left: Node's default SIGINT action (terminate) applies to the next one.
    expect(proc.listenerCount('SIGINT')).toBe(0);
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    h.dispose();
  });

  it('treats SIGTERM like Ctrl-C, and dispose removes the handlers', () => {
    const proc = new EventEmitter();
    const h = installInterruptHandler({ write: () => 0 }, 'x', 'y', proc);
    proc.emit('SIGTERM');
    expect(h.signal.aborted).toBe(true);
    const h2 = installInterruptHandler({ write: () => 0 }, 'x', 'y', proc);
    h2.dispose();
    expect(proc.listenerCount('SIGINT')).toBe(0);
    expect(h2.signal.aborted).toBe(false);
  });
});
