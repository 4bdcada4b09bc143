// Multi-threaded wasm in Node. Why: tfjs 4.22 switches threads off in Node (its feature flag
// returns false there, and its worker script is handed to emscripten as a `blob:` URL, which Node's
// worker_threads cannot load), so `setThreadsCount` has no effect (docs/design/engine.md, item 6). This
// re-registers the 'wasm' backend with a factory that loads the unbundled threaded-SIMD build with
// its worker script written to a real file. It leans on package internals, so the version is
// pinned (package.json: exactly 4.22.0) and checked here, and tested in engine tests.
import { createRequire } from 'node:module';
import { mkdirSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../util/atomic_write.js';
import { PlcaError } from '../util/errors.js';

const require = createRequire(import.meta.url);
const PINNED = '4.22.0';
const BUILD = 'tfjs-backend-wasm-threaded-simd';

interface WasmModuleLike {
  cwrap(name: string, ret: string | null, args: string[]): (...a: unknown[]) => unknown;
  tfjs?: Record<string, unknown>;
  PThread?: { unusedWorkers: Array<{ unref(): void; terminate(): unknown }>; runningWorkers: Array<{ unref(): void }> };
}

/** The worker script as a file: the package ships it only as a JS string export. */
function workerScriptPath(outDir: string): string {
  // The export is a template literal, so its "\n" escapes arrived as real newlines inside string
  // literals; tfjs's own init() re-escapes them the same way before making its blob.
  const contents = (require(join(outDir, `${BUILD}.worker.js`)) as { wasmWorkerContents: string })
    .wasmWorkerContents.replace(/\n/g, '\\n');
  const dir = join(tmpdir(), `plca-tfjs-wasm-${PINNED}-${process.getuid?.() ?? 0}`);
  const file = join(dir, `${BUILD}.worker.cjs`);
  if (!existsSync(file) || readFileSync(file, 'utf8') !== contents) {
    mkdirSync(dir, { recursive: true });
    // Concurrent processes never read a half-written worker script.
    writeFileAtomic(file, contents);
  }
  return file;
}

/** Loads the threaded-SIMD emscripten module with file paths instead of blob URLs. */
async function loadThreadedModule(): Promise<WasmModuleLike> {
  const pkgJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  if (version !== PINNED) {
    throw new PlcaError('PLCA_BACKEND_UNAVAILABLE',
      `threaded wasm needs @tensorflow/tfjs-backend-wasm ${PINNED} (found ${version} at ${pkgJson})`,
      { hint: 'use threads: 1, or install the pinned version' });
  }
  const outDir = join(dirname(pkgJson), 'wasm-out');
  const mainScript = join(outDir, `${BUILD}.js`);
  const worker = workerScriptPath(outDir);
  const factory = require(mainScript) as (cfg: object) => Promise<WasmModuleLike>;
  const module = await factory({
    locateFile: (path: string) => (path.endsWith('.worker.js') ? worker : join(outDir, path)),
    mainScriptUrlOrBlob: mainScript,
  });
  // The same bindings tfjs-backend-wasm's own init() attaches (backend_wasm.js, init()).
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

let pthreads: WasmModuleLike['PThread'] | undefined;

/**
 * Awaits `fn` while `os.cpus()` reports at least `n` cores. Why: the backend's C++ caps the
 * requested thread count at half the logical cores emscripten sees (a global initialiser reading
 * os.cpus() while the module starts), which leaves one thread on a 2-core machine; the thread
 * count is what the caller asks for (capped at 8 by the build's worker pool).
 */
async function withCoreCount<T>(n: number, fn: () => Promise<T>): Promise<T> {
  const os = require('node:os') as { cpus: () => unknown[] };
  const original = os.cpus;
  const real = original();
  if (real.length >= n) return fn();
  os.cpus = () => Array.from({ length: n }, (_, i) => real[i % Math.max(1, real.length)]);
  try {
    return await fn();
  } finally {
    os.cpus = original;
  }
}

/**
 * Re-registers the 'wasm' backend so that it is created multi-threaded with `threads` threads.
 * Must run before the wasm backend is first initialised.
 */
export async function registerThreadedWasm(threads: number): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount(threads);
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', async () => {
    const module = await withCoreCount(2 * threads, loadThreadedModule);
    pthreads = module.PThread;
    const backend = new wasm.BackendWasm(module as never);
    releaseIdleWorkers();
    return backend;
  }, 2);
}

/**
 * Terminates the pthread workers the thread pool did not take. Why: the build pre-spawns 8
 * workers (each a V8 isolate, ~15–20 MB RSS), but XNNPACK's pool is created once, at init, with
 * `threads` − 1 of them; nothing else in the backend starts threads afterwards.
 */
function releaseIdleWorkers(): void {
  if (!pthreads) return;
  const idle = pthreads.unusedWorkers.splice(0);
  for (const w of idle) void w.terminate();
}

/** Lets the process exit while the pthread workers idle (they otherwise keep the event loop alive). */
export function unrefWorkers(): void {
  if (!pthreads) return;
  for (const w of [...pthreads.unusedWorkers, ...pthreads.runningWorkers]) w.unref();
}
