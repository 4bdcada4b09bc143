/**
 * Output directories the user names (`--out`): checked before any work starts, and created one
 * level at a time. What goes wrong there is the user's to fix (a file in the way, permissions,
 * a read-only or special file system), so it is PLCA_FILE_UNWRITABLE naming the path, never a
 * crash. Created level by level because Node's recursive mkdir never returns on some special
 * file systems (`mkdirSync('/proc/x/y', { recursive: true })` spins).
 */
import { accessSync, constants, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { PlcaError } from '../util/errors.js';

/**
 * Checks that `abs` is a writable directory or can be created as one (its nearest existing
 * ancestor is a writable directory). Writes nothing.
 * @param flag the option that named the path, e.g. '--out'
 * @returns the directories that would have to be created, outermost first
 */
export function checkOutDir(abs: string, flag: string): string[] {
  const missing: string[] = [];
  let p = abs;
  for (;;) {
    const st = statOrUndefined(p, abs, flag);
    if (st !== undefined) {
      if (!st.isDirectory()) {
        throw p === abs
          ? new PlcaError('PLCA_FILE_UNWRITABLE', `${flag} ${abs} is a file, not a directory`, {
            hint: `choose another ${flag} (a directory; it is created when missing), or move the file away`,
          })
          : new PlcaError('PLCA_FILE_UNWRITABLE', `cannot create ${flag} ${abs}: ${p} is a file, not a directory`, {
            hint: `choose another ${flag}`,
          });
      }
      requireWritable(p, abs, flag);
      return missing.reverse();
    }
    const parent = dirname(p);
    if (parent === p) return missing.reverse(); // cannot happen for an absolute path: / exists
    missing.push(p);
    p = parent;
  }
}

/** checkOutDir, then creates the missing directories. @returns abs */
export function makeOutDir(abs: string, flag: string): string {
  for (const d of checkOutDir(abs, flag)) {
    try {
      mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(d).isDirectory()) continue; // made by someone else meanwhile
      throw new PlcaError('PLCA_FILE_UNWRITABLE', `cannot create ${flag} ${abs}: mkdir ${d} failed (${code ?? (e as Error).message})`, {
        hint: `this file system does not take new directories there: choose another ${flag}`,
        cause: e,
      });
    }
  }
  return abs;
}

/** stat, or undefined when nothing is there; a permission problem on the way is the user's. */
function statOrUndefined(p: string, abs: string, flag: string): Stats | undefined {
  try {
    return statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ENOTDIR: a file higher up; the walk reaches it and names it.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new PlcaError('PLCA_FILE_UNWRITABLE', `cannot use ${flag} ${abs}: ${p} cannot be examined (${code})`, {
      hint: `check the permissions of its directories, or choose another ${flag}`,
      cause: e,
    });
  }
}

function requireWritable(dir: string, abs: string, flag: string): void {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const where = dir === abs ? `${flag} ${abs}` : `${dir} (to create ${flag} ${abs})`;
    if (code === 'EROFS') {
      throw new PlcaError('PLCA_FILE_UNWRITABLE', `cannot write in ${where}: read-only file system`, {
        hint: `choose another ${flag}, on a writable disk`,
        cause: e,
      });
    }
    throw new PlcaError('PLCA_FILE_UNWRITABLE', `cannot write in ${where}: permission denied`, {
      hint: `choose another ${flag}, or make the directory writable (chmod u+w ${dir})`,
      cause: e,
    });
  }
}
