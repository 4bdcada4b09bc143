import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { InterruptedError, installInterruptHandler } from './signals.js';

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
    expect(h.received).toBe('SIGINT');
    expect(err).toBe('\nplca: Ctrl-C (SIGINT) received, stopping training and writing a checkpoint (press Ctrl-C again to exit at once)\n');
    // No listener left: Node's default SIGINT action (terminate) applies to the next one.
    expect(proc.listenerCount('SIGINT')).toBe(0);
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    h.dispose();
  });

  it('stops on SIGTERM too, calling it SIGTERM (not Ctrl-C); dispose removes the handlers', () => {
    const proc = new EventEmitter();
    let err = '';
    const h = installInterruptHandler({ write: (s: string) => (err += s) }, 'training', 'writing a checkpoint', proc);
    proc.emit('SIGTERM');
    expect(h.signal.aborted).toBe(true);
    expect(h.received).toBe('SIGTERM');
    expect(h.signal.reason).toBeInstanceOf(InterruptedError);
    expect((h.signal.reason as InterruptedError).signal).toBe('SIGTERM');
    expect(err).toContain('plca: SIGTERM received, stopping training and writing a checkpoint (a second SIGTERM exits at once)');
    expect(err).not.toContain('Ctrl-C');
    const h2 = installInterruptHandler({ write: () => 0 }, 'x', 'y', proc);
    expect(h2.received).toBeUndefined();
    h2.dispose();
    expect(proc.listenerCount('SIGINT')).toBe(0);
    expect(h2.signal.aborted).toBe(false);
  });
});
