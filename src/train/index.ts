// The Node entry of src/train: run directories are the default store (file_store.ts registers them).
export type { Batch, BatchStream } from '../data/batch.js';
export { FileRunStore } from './file_store.js';
export { MemoryRunStore, type RunStore, type PretrainedLoad } from './run_store.js';
export { train } from './trainer.js';
export type { TrainIO, TrainOptions, TrainResult, Validator } from './trainer.js';
export type { TrainEvent, StepEvent } from './events.js';
export { polyFactor, polyLr } from './lr_schedule.js';
export { Sgd } from './sgd.js';
export type { SgdOptions } from './sgd.js';
export {
  saveCheckpoint, loadCheckpoint, resolveCheckpointPath, latestCheckpoint, checkpointFileName, LATEST_FILE,
  verifyCheckpoint, listStepFiles,
} from './checkpoint.js';
export { findResumeCheckpoint } from './resume_point.js';
export type { ResumePoint } from './resume_point.js';
export type { CheckpointSummary, CheckpointData, CheckpointTensor, TensorGroup, CheckpointDtype } from './checkpoint.js';
export { snapshotTensors, checkGroup, assignGroup } from './model_state.js';
export { restoreModel } from './restore.js';
