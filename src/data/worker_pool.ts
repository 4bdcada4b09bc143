/**
 * A pool of loader workers (node:worker_threads), started by src/util/child.ts `startWorker`
 * (from the TypeScript sources a worker registers tsx first, from dist it runs the .js).
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../util/child.js';
import { PlcaError, type ErrorCode } from '../util/errors.js';
import type { DatasetDescriptor } from './datasets/common.js';
import type { PipelineOptions, PreparedSample, SampleJob } from './sample_pipeline.js';
import type { ItemCheck } from './check_item.js';

/** What a worker can be asked: prepare a training/eval sample, or check one item (`plca data check`). */
export type WorkerRequest = { kind: 'sample'; job: SampleJob } | { kind: 'check'; item: number };
type WorkerReply = { jobId: number; result?: unknown; error?: { code: ErrorCode; message: string; hint?: string } };

interface Pending { resolve: (s: unknown) => void; reject: (e: Error) => void; worker: number }

function spawn(init: { dataset: DatasetDescriptor; pipeline: PipelineOptions }): Worker {
  return startWorker(import.meta.url, 'loader_worker', init);
}

/** Runs jobs on `size` workers, least-busy first. */
export class WorkerPool {
  private readonly workers: Worker[];
  private readonly busy: number[];
  private readonly pending = new Map<number, Pending>();
  private nextJob = 0;
  private failure: Error | null = null;
  private closed = false;

  constructor(size: number, dataset: DatasetDescriptor, pipeline: PipelineOptions = { mode: 'eval' }) {
    this.workers = Array.from({ length: size }, () => spawn({ dataset, pipeline }));
    this.busy = new Array<number>(size).fill(0);
    this.workers.forEach((w, i) => {
      w.on('message', (m: WorkerReply) => this.onMessage(m));
      w.on('error', (e) => this.fail(new PlcaError('PLCA_INTERNAL', `data loader worker ${i} crashed: ${e.message}`, { cause: e })));
      w.on('exit', (code) => {
        if (code !== 0 && !this.closed) this.fail(new PlcaError('PLCA_INTERNAL', `data loader worker ${i} exited with code ${code}`));
      });
      w.unref(); // an idle loader must not keep the process alive
    });
  }

  get size(): number {
    return this.workers.length;
  }

  runSample(job: SampleJob): Promise<PreparedSample> {
    return this.run({ kind: 'sample', job }) as Promise<PreparedSample>;
  }

  runCheck(item: number): Promise<ItemCheck> {
    return this.run({ kind: 'check', item }) as Promise<ItemCheck>;
  }

  private run(req: WorkerRequest): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new PlcaError('PLCA_INTERNAL', 'data loader used after close()'));
    let w = 0;
    for (let i = 1; i < this.busy.length; i++) if (this.busy[i] < this.busy[w]) w = i;
    const jobId = this.nextJob++;
    this.busy[w]++;
    if (this.pending.size === 0) this.workers.forEach((x) => x.ref()); // keep alive while work is out
    return new Promise((resolve, reject) => {
      this.pending.set(jobId, { resolve, reject, worker: w });
      this.workers[w].postMessage({ jobId, req });
    });
  }

  private onMessage(m: WorkerReply): void {
    const p = this.pending.get(m.jobId);
    if (!p) return;
    this.pending.delete(m.jobId);
    this.busy[p.worker]--;
    if (this.pending.size === 0) this.workers.forEach((x) => x.unref());
    if (m.error) p.reject(new PlcaError(m.error.code, m.error.message, { hint: m.error.hint }));
    else p.resolve(m.result);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new PlcaError('PLCA_INTERNAL', 'data loader closed'));
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
