import { describe, expect, it } from 'vitest';
import { PlcaError } from '../util/errors.js';
import { exitCodeFor, formatError, toPlcaError } from './errors.js';

describe('cli errors', () => {
  it('formats a PlcaError as one line plus its hint, without a stack', () => {
    const e = new PlcaError('PLCA_FILE_NOT_FOUND', 'image not found: /tmp/x.png', { hint: 'check the path' });
    const text = formatError(e, false);
    expect(text).toBe('plca: error [PLCA_FILE_NOT_FOUND]: image not found: /tmp/x.png\n  hint: check the path\n');
    expect(text).not.toMatch(/\n\s+at /);
  });

  it('keeps a multi-line message on one line unless --verbose', () => {
    const e = new PlcaError('PLCA_CONFIG_INVALID', 'bad config\nmore detail');
    expect(formatError(e, false).split('\n').filter(Boolean)).toHaveLength(1);
    const verbose = formatError(e, true);
    expect(verbose).toContain('more detail');
    expect(verbose).toMatch(/\n\s+at /);
  });

  it('turns unexpected errors into PLCA_INTERNAL and prints causes with --verbose', () => {
    const e = toPlcaError(new TypeError('x is undefined'));
    expect(e.code).toBe('PLCA_INTERNAL');
    expect(formatError(e, false)).toMatch(/^plca: error \[PLCA_INTERNAL\]: x is undefined\n  hint: .*bug/);
    expect(formatError(e, true)).toContain('caused by: TypeError: x is undefined');
    expect(toPlcaError('a string').message).toBe('a string');
  });

  it('passes PlcaErrors through and maps exit codes', () => {
    const e = new PlcaError('PLCA_NAN_LOSS', 'loss term fass is NaN');
    expect(toPlcaError(e)).toBe(e);
    expect(exitCodeFor(e)).toBe(1);
    expect(exitCodeFor(new PlcaError('PLCA_INTERRUPTED', 'x'))).toBe(130);
  });
});
