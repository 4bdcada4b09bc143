/**
 * The one way plca replaces a file: write a temp file beside it, fsync it, rename it over the
 * target, fsync the directory. A reader sees the old file or the new one, never a torn one, and
 * a process killed inside the window leaves only a hidden `.NAME.tmp-PID-MS` file, which
 * `removeStaleTemps` deletes once its writer is gone. Checkpoints, their `latest.json` pointer,
 * resolved configs, stored benchmark results and the wasm worker script all go through here.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Where inside a write the test hook of `writeFileAtomic` is called. */
export type AtomicWritePoint = 'partial' | 'before-rename';
/** Called at each point with the temp file's path (tests pause or kill the writer there). */
export type AtomicWriteHook = (point: AtomicWritePoint, tempFile: string) => void;

/** The temp file name of a write to `path` by this process: `.NAME.tmp-PID-MS`, in the same directory. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
}

/**
 * Replaces `path` with `data` atomically (see the module comment). On any failure the temp file
 * is removed and the error rethrown; `path` keeps its old content.
 * @param data a string (UTF-8) or the bytes, possibly in chunks (written in order, not concatenated)
 * @param hook test hook (e.g. the checkpoint's PLCA_DEBUG_CHECKPOINT_PAUSE); `partial` is called
 *   half-way through the bytes, `before-rename` once the temp file is complete and fsynced
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[], hook?: AtomicWriteHook): void {
  const chunks: readonly Uint8Array[] = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'w');
  // Where the `partial` hook fires: half-way through the bytes; never without a hook.
  const splitAt = hook ? Math.max(1, Math.floor(chunks.reduce((a, c) => a + c.length, 0) / 2)) : Infinity;
  let open = true;
  try {
    let pos = 0;
    for (const c of chunks) {
      let done = 0;
      while (done < c.length) {
        const n = writeSync(fd, c, done, pos < splitAt ? Math.min(c.length - done, splitAt - pos) : c.length - done);
        done += n;
        pos += n;
        if (pos === splitAt) hook?.('partial', tmp);
      }
    }
    fsyncSync(fd);
    open = false;
    closeSync(fd);
  } catch (e) {
    if (open) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  hook?.('before-rename', tmp);
  try {
    renameSync(tmp, path);
  } catch (e) {
    // A failed rename (e.g. `path` is a directory) must not leave the temp file behind.
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDir(dirname(path));
}

function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Directory fsync is not supported everywhere (e.g. Windows); the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const TEMP_RE = /^\.(.+)\.tmp-(\d+)-\d+$/;

/**
 * Removes the temp files that killed writers left in `dir` (of targets whose name `accept`s, all
 * by default). Only those of processes that no longer exist: a live one may be inside its own
 * write (two runs sharing a directory are a mistake, but deleting their files under them would
 * turn it into a crash).
 * @returns the names removed
 */
export function removeStaleTemps(dir: string, accept: (targetName: string) => boolean = () => true): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = TEMP_RE.exec(name);
    if (m === null || !accept(m[1])) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || processAlive(pid)) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else. Only ESRCH proves it is gone.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
