/**
 * The one way plca starts its own modules in another process or thread. From the TypeScript
 * sources (tsx, vitest) a new process or thread does not inherit the parent's TS loader, so it
 * registers tsx first; from compiled JS (dist/) it runs the `.js` beside the caller directly.
 * Processes talk to the parent over `child_process.fork`'s IPC channel (structured clone, so typed
 * arrays travel as they are), never by parsing their stdout.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A module next to `base` (an `import.meta.url`): `stem`.ts from the sources, `stem`.js from dist. */
export function siblingModule(base: string, stem: string): { url: URL; ts: boolean } {
  const ts = base.endsWith('.ts');
  return { url: new URL(`./${stem}.${ts ? 'ts' : 'js'}`, base), ts };
}

function tsxPackage(): { dir: string; exports: Record<string, { import: { default: string } } | string> } {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  return { dir: dirname(pkgPath), exports: (JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: never }).exports };
}

/** The file URL of tsx's ESM API (`tsx/esm/api`, import condition): `register()` for a worker thread. */
export function tsxEsmApiUrl(): string {
  const { dir, exports } = tsxPackage();
  const entry = exports['./esm/api'] as { import: { default: string } };
  return pathToFileURL(join(dir, entry.import.default)).href;
}

/** The file URL of tsx's loader (its package entry), for `node --import` in a child process. */
export function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

export interface ForkOptions {
  /** Aborting kills the child (SIGTERM). */
  signal?: AbortSignal;
  /** stdio of the child; IPC is always added. @default ['ignore', 'inherit', 'pipe'] */
  stdio?: Array<'ignore' | 'inherit' | 'pipe'>;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** extra Node flags of the child (e.g. a V8 feature flag) */
  execArgv?: string[];
}

/**
 * Starts module `stem` next to `base` as a child process with an IPC channel (`process.send` /
 * `process.on('message')` in the child, structured-clone serialisation).
 */
export function forkModule(base: string, stem: string, args: readonly string[] = [], o: ForkOptions = {}): ChildProcess {
  const m = siblingModule(base, stem);
  const [i, out, err] = o.stdio ?? ['ignore', 'inherit', 'pipe'];
  return fork(fileURLToPath(m.url), [...args], {
    execArgv: [...(o.execArgv ?? []), ...(m.ts ? ['--import', tsxLoaderUrl()] : [])],
    stdio: [i, out, err, 'ipc'],
    serialization: 'advanced',
    signal: o.signal,
    cwd: o.cwd,
    env: o.env,
  });
}

/** Starts module `stem` next to `base` in a worker thread with `workerData`. */
export function startWorker(base: string, stem: string, workerData: unknown): Worker {
  const m = siblingModule(base, stem);
  if (!m.ts) return new Worker(m.url, { workerData });
  const boot = `import(${JSON.stringify(tsxEsmApiUrl())}).then((t) => { t.register(); return import(${JSON.stringify(m.url.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
