import { describe, expect, it } from 'vitest';
import { ERROR_CODES, PlcaError } from '../util/errors.js';
import { DEFAULT_HINTS, exitCodeFor, formatError, toPlcaError } from './errors.js';

describe('cli errors', () => {
  it('formats a PlcaError as one line plus its hint, without a stack', () => {
    const e = new PlcaError('PLCA_FILE_NOT_FOUND', 'image not found: /tmp/x.png', { hint: 'check the path' });
    const text = formatError(e, false);
    expect(text).toBe('plca: error [PLCA_FILE_NOT_FOUND]: image not found: /tmp/x.png\n  hint: check the path\n');
    expect(text).not.toMatch(/\n\s+at /);
  });

  it('keeps a multi-line message on one line unless --verbose', () => {
    const e = new PlcaError('PLCA_CONFIG_INVALID', 'bad config\nmore detail');
    expect(formatError(e, false).split('\n').filter((l) => l !== '' && !l.startsWith('  hint: '))).toHaveLength(1);
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

  it('gives every error a hint line: its own, else one for its code', () => {
    for (const code of ERROR_CODES) {
      expect(DEFAULT_HINTS[code], code).toMatch(/\w/);
      expect(formatError(new PlcaError(code, 'x'), false), code).toContain(`\n  hint: ${DEFAULT_HINTS[code]}\n`);
    }
    expect(formatError(new PlcaError('PLCA_INVALID_ARGUMENT', 'x', { hint: 'do this' }), false)).toContain('  hint: do this\n');
  });

  it('maps file-system errors to user errors naming the path (a full or read-only disk, permissions, a file in the way)', () => {
    const sys = (code: string, syscall: string, path: string) => Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path, errno: -1 });
    const cases: [string, string, string, RegExp][] = [
      ['ENOSPC', 'write', 'PLCA_FILE_UNWRITABLE', /^no space left on the disk \(write \/r\/x\)$/],
      ['EDQUOT', 'write', 'PLCA_FILE_UNWRITABLE', /no space left/],
      ['EROFS', 'mkdir', 'PLCA_FILE_UNWRITABLE', /^read-only file system \(mkdir \/r\/x\)$/],
      ['EACCES', 'open', 'PLCA_FILE_UNWRITABLE', /^permission denied \(open \/r\/x\)$/],
      ['EACCES', 'scandir', 'PLCA_FILE_UNREADABLE', /^permission denied \(scandir \/r\/x\)$/],
      ['ENOTDIR', 'mkdir', 'PLCA_FILE_UNWRITABLE', /a part of \/r\/x is a file, not a directory/],
      ['EEXIST', 'mkdir', 'PLCA_FILE_UNWRITABLE', /\/r\/x already exists/],
      ['EISDIR', 'open', 'PLCA_FILE_UNWRITABLE', /\/r\/x is a directory/],
      ['ENOENT', 'open', 'PLCA_FILE_NOT_FOUND', /no such file or directory \(open \/r\/x\)/],
    ];
    for (const [errno, syscall, code, message] of cases) {
      const e = toPlcaError(sys(errno, syscall, '/r/x'));
      expect(e.code, errno).toBe(code);
      expect(e.message, errno).toMatch(message);
      expect(e.hint, errno).toMatch(/\w/);
      expect(e.hint, errno).not.toMatch(/bug/);
    }
    // Without a path it is not about a file the user can fix.
    expect(toPlcaError(Object.assign(new Error('x'), { code: 'EACCES' })).code).toBe('PLCA_INTERNAL');
    expect(toPlcaError(sys('ECONNRESET', 'read', '/r/x')).code).toBe('PLCA_INTERNAL');
  });
});
