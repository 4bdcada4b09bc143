/** Runs the real `plca` binary in a child process, as a user would (node bin/plca.mjs …). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(REPO, 'bin', 'plca.mjs');

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
  /** Run as another user (tests of permissions, which root would not meet). */
  user?: { uid: number; gid: number };
}

export function runPlca(args: string[], opts: RunOptions = {}): Promise<PlcaResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
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
