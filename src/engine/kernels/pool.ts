// Threads for plca's own kernels. Why our own pool: tfjs-backend-wasm's pthreads are reachable
// only through its C++ (XNNPACK's pool); plca's kernels are a separate wasm module. Each worker
// instantiates the same compiled module on the same shared WebAssembly.Memory (tfjs's heap), so a
// job is just an address: the main thread writes a job descriptor, wakes the workers through a
// small SharedArrayBuffer (Atomics.notify), computes share 0 itself and waits until every worker
// has counted itself done. Workers are unref'd: an idle pool never keeps a process alive.
import { Worker } from 'node:worker_threads';
import { PlcaError } from '../../util/errors.js';
import { instantiateKernels, type KernelExports } from './loader.js';

// Control words (Int32Array over a SharedArrayBuffer).
const GEN = 0; // generation: bumped to start a job
const JOB = 1; // job descriptor address
const DONE = 2; // workers finished with the current generation
const FAILED = 3; // a worker's kernel threw
const WORDS = 4;

/** Runs in each worker (plain JS, evaluated as CommonJS: no file to locate or transpile). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, control, tid, workers } = workerData;
const run = new WebAssembly.Instance(module, { env: { memory } }).exports.plca_run;
const c = new Int32Array(control);
let gen = 0;
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(c, ${GEN}, gen);
  gen = Atomics.load(c, ${GEN});
  try { run(Atomics.load(c, ${JOB}), tid); } catch (e) { Atomics.store(c, ${FAILED}, 1); }
  if (Atomics.add(c, ${DONE}, 1) + 1 === workers) Atomics.notify(c, ${DONE});
}
`;

export class KernelPool {
  readonly threads: number;
  private readonly control = new Int32Array(new SharedArrayBuffer(WORDS * 4));
  private readonly workers: Worker[] = [];
  private readonly main: KernelExports;

  /** The calling thread's instance. */
  get mainExports(): KernelExports { return this.main; }

  private constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number) {
    this.threads = threads;
    this.main = instantiateKernels(module, memory);
    for (let tid = 1; tid < threads; tid++) {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory, control: this.control.buffer, tid, workers: threads - 1 },
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /** A pool of `threads` (the calling thread included); memory must be shared when threads > 1. */
  static async create(module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number): Promise<KernelPool> {
    if (threads > 1 && !(memory.buffer instanceof SharedArrayBuffer)) {
      throw new PlcaError('PLCA_INTERNAL', 'kernel threads need a shared wasm memory');
    }
    const pool = new KernelPool(module, memory, threads);
    // Every worker has instantiated its module before the first job.
    await Promise.all(pool.workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    })));
    return pool;
  }

  /**
   * Runs `plca_run(job, tid)` for tid = 0..threads−1 (0 on this thread) and returns when all are
   * done; `threads` (1 or the pool's size) is the count the job descriptor was written for.
   */
  run(job: number, threads: number): void {
    if (threads <= 1) {
      this.main.plca_run(job, 0);
      return;
    }
    if (threads !== this.threads) throw new PlcaError('PLCA_INTERNAL', `pool of ${this.threads} threads asked to run ${threads}`);
    const c = this.control;
    Atomics.store(c, JOB, job);
    Atomics.store(c, DONE, 0);
    Atomics.store(c, FAILED, 0);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
    let error: unknown;
    try {
      this.main.plca_run(job, 0);
    } catch (e) {
      error = e;
    }
    const workers = this.workers.length;
    for (let done = Atomics.load(c, DONE); done < workers; done = Atomics.load(c, DONE)) Atomics.wait(c, DONE, done);
    if (error) throw error;
    if (Atomics.load(c, FAILED)) throw new PlcaError('PLCA_INTERNAL', 'a wasm kernel thread failed (memory access out of bounds?)');
  }
}
