/**
 * `plca train` in one call: engine, streams and validator from the resolved config, then the
 * trainer (src/train). The streams' worker threads are stopped however the run ends (finished,
 * interrupted, NaN, any error).
 */
import type { ResolvedConfig } from '../config/index.js';
import { initEngine, type EngineInfo, type EngineOptions } from '../engine/index.js';
import { train, type ResumePoint, type TrainEvent, type TrainResult } from '../train/index.js';
import { configValidator } from './evaluation.js';
import { engineOptions } from './inference.js';
import { headClasses } from './classes.js';
import { streamsFromConfig } from './streams.js';

export interface RunTrainingOptions {
  /** Run directory: config.json, train_log.jsonl, checkpoints/. */
  outDir: string;
  /** Abort → a checkpoint is written, then PLCA_INTERRUPTED is thrown (streams closed first). */
  signal?: AbortSignal;
  /** Every log record (start, step, validation, checkpoint, warning, nan, interrupted, end). */
  onEvent?: (e: TrainEvent) => void;
  /** Continue from outDir's newest intact checkpoint, or from the one already found there (see findResumeCheckpoint). */
  resume?: boolean | ResumePoint;
  /**
   * Validate on data.val every `train.valInterval` updates and at the end (at the end only when
   * valInterval is null). @default true when data.val is set
   */
  validate?: boolean;
  /** Engine settings over cfg.runtime. */
  runtime?: EngineOptions;
}

export interface RunTrainingResult extends TrainResult {
  engine: EngineInfo;
}

/**
 * Trains `cfg` to its end (or its interruption). The returned `model` is the caller's to dispose;
 * on an error the trainer has already disposed it.
 * @throws PLCA_INTERRUPTED on abort (a checkpoint was written), PLCA_NAN_LOSS, config, dataset
 *   and checkpoint errors
 */
export async function runTraining(cfg: ResolvedConfig, opts: RunTrainingOptions): Promise<RunTrainingResult> {
  headClasses(cfg.model.numClasses); // a head without a class set fails before any data is read
  const engine = await initEngine(engineOptions(cfg.runtime, opts.runtime));
  const validate = (opts.validate ?? true) && cfg.data.val !== null ? configValidator(cfg) : undefined;
  const streams = streamsFromConfig(cfg);
  try {
    const r = await train(cfg, { source: streams.source, target: streams.target, outDir: opts.outDir, validate }, {
      signal: opts.signal, onEvent: opts.onEvent, resume: opts.resume,
    });
    return { ...r, engine };
  } finally {
    await streams.close();
  }
}
