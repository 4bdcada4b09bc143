import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installInterruptHandler, type SignalSource } from './signals.js';

class FakeProcess extends EventEmitter {
  exits: number[] = [];
  exit(code: number): never {
    this.exits.push(code);
    return undefined as never;
  }
}

describe('interrupt handler', () => {
  it('aborts on the first Ctrl-C and exits 130 on the second', () => {
    const proc = new FakeProcess();
    let err = '';
    const h = installInterruptHandler({ write: (s: string) => (err += s) }, 'training', 'writing a checkpoint', proc as unknown as SignalSource);
    expect(h.signal.aborted).toBe(false);
    proc.emit('SIGINT');
    expect(h.signal.aborted).toBe(true);
    expect((h.signal.reason as { code: string }).code).toBe('PLCA_INTERRUPTED');
    expect(err).toContain('writing a checkpoint');
    expect(proc.exits).toEqual([]);
    proc.emit('SIGINT');
    expect(proc.exits).toEqual([130]);
    h.dispose();
    expect(proc.listenerCount('SIGINT')).toBe(0);
    expect(proc.listenerCount('SIGTERM')).toBe(0);
  });

  it('treats SIGTERM like Ctrl-C', () => {
    const proc = new FakeProcess();
    const h = installInterruptHandler({ write: () => 0 }, 'x', 'y', proc as unknown as SignalSource);
    proc.emit('SIGTERM');
    expect(h.signal.aborted).toBe(true);
    h.dispose();
  });
});
