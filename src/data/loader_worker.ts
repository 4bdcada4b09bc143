/**
 * Loader worker: receives the dataset once (workerData), then jobs — prepare a sample, or check
 * an item — and answers each with its result, transferring large buffers, or with the error's
 * code, message and hint.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PlcaError } from '../util/errors.js';
import { prepareSample, type PipelineOptions } from './sample_pipeline.js';
import { checkItem } from './check_item.js';
import type { DatasetDescriptor } from './datasets/common.js';
import type { WorkerRequest } from './worker_pool.js';

interface Init { dataset: DatasetDescriptor; pipeline: PipelineOptions }
const { dataset, pipeline } = workerData as Init;

function handle(req: WorkerRequest): { result: unknown; transfer: ArrayBuffer[] } {
  if (req.kind === 'check') return { result: checkItem(dataset, req.item), transfer: [] };
  const s = prepareSample(dataset, req.job, pipeline);
  const transfer: ArrayBuffer[] = [s.image.buffer as ArrayBuffer];
  if (s.label) transfer.push(s.label.buffer as ArrayBuffer);
  return { result: s, transfer };
}

parentPort!.on('message', (msg: { jobId: number; req: WorkerRequest }) => {
  try {
    const { result, transfer } = handle(msg.req);
    parentPort!.postMessage({ jobId: msg.jobId, result }, transfer);
  } catch (e) {
    // The hint travels too: it tells the user what to do (e.g. data.unknownLabels), and Error objects lose it across threads.
    const err = e instanceof PlcaError
      ? { code: e.code, message: e.message, hint: e.hint }
      : { code: 'PLCA_INTERNAL', message: String((e as Error)?.stack ?? e) };
    parentPort!.postMessage({ jobId: msg.jobId, error: err });
  }
});
