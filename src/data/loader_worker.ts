/**
 * Loader worker: receives the dataset once (workerData), then sample jobs; answers each with the
 * prepared sample, transferring its buffers, or with the error's code and message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PlcaError } from '../util/errors.js';
import { prepareSample, type PipelineOptions, type SampleJob } from './sample_pipeline.js';
import type { DatasetDescriptor } from './datasets/common.js';

interface Init { dataset: DatasetDescriptor; pipeline: PipelineOptions }
const { dataset, pipeline } = workerData as Init;

parentPort!.on('message', (msg: { jobId: number; job: SampleJob }) => {
  try {
    const s = prepareSample(dataset, msg.job, pipeline);
    const transfer: ArrayBuffer[] = [s.image.buffer as ArrayBuffer];
    if (s.label) transfer.push(s.label.buffer as ArrayBuffer);
    parentPort!.postMessage({ jobId: msg.jobId, sample: s }, transfer);
  } catch (e) {
    const err = e instanceof PlcaError ? { code: e.code, message: e.message } : { code: 'PLCA_INTERNAL', message: String((e as Error)?.stack ?? e) };
    parentPort!.postMessage({ jobId: msg.jobId, error: err });
  }
});
