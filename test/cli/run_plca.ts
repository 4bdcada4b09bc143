/**
 * Runs the plca CLI in a child process, as a user would, from the sources: `node --import tsx
 * src/cli/main.ts …`, the code bin/plca.mjs runs compiled (so the tests never run a stale dist/;
 * launcher.test.ts checks the binary itself over a fresh build).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(REPO, 'bin', 'plca.mjs');
/** The CLI entry the binary runs (compiled, from dist/). */
export const ENTRY = join(REPO, 'src', 'cli', 'main.ts');
/** tsx's loader by URL, so the child finds it from any working directory. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface PlcaResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Called with the child and each stderr chunk so far (to send signals at the right moment). */
  onStderr?: (child: ChildProcess, stderrSoFar: string) => void;
  onStdout?: (child: ChildProcess, stdoutSoFar: string) => void;
  /** What to start instead of the sources' entry, e.g. the installed binary: [file, ...args before the plca arguments]. */
  launcher?: readonly string[];
  /** Run as another user (tests of permissions, which root would not meet). */
  user?: { uid: number; gid: number };
}

export function runPlca(args: string[], opts: RunOptions = {}): Promise<PlcaResult> {
  return new Promise((resolvePromise, reject) => {
    const [cmd, ...pre] = opts.launcher ?? [process.execPath, '--import', TSX, ENTRY];
    const child = spawn(cmd, [...pre, ...args], {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...opts.user,
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      opts.onStdout?.(child, stdout);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      opts.onStderr?.(child, stderr);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** The `[CODE]` of the one-line error on stderr, if any. */
export function errorCode(stderr: string): string | undefined {
  return /^plca: error \[([A-Z_]+)\]: /m.exec(stderr)?.[1];
}
