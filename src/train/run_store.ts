/**
 * Where a training run keeps what makes it resumable: its resolved config, its log records and
 * its checkpoints. In Node that is a run directory (file_store.ts: `train(cfg, {outDir})`); in a
 * browser, or wherever there is no file system, a `MemoryRunStore` (`train(cfg, {store})`), which
 * a stopped run resumes from exactly as from a directory.
 */
import type { ResolvedConfig } from '../config/schema.js';
import type { Segmentor } from '../models/segmentor.js';
import { PlcaError } from '../util/errors.js';
import type { CheckpointData, TensorGroup } from './checkpoint.js';
import type { ResumePoint } from './resume_point.js';

/** What loading a `model.pretrained` file reports (logged as a `pretrained` event). */
export interface PretrainedLoad {
  format: string; convention: string; loaded: number; missing: number; unexpected: number; skipped: number; message: string;
}

export interface RunStore {
  /** The run's location in messages and events: a directory, or `memory:NAME`. */
  readonly location: string;
  saveConfig(cfg: ResolvedConfig): void;
  /** One log record (every record but the `step` records between log intervals). */
  appendLog(record: Record<string, unknown>): void;
  /** Stores a checkpoint; returns its reference (a file path, or a memory reference). */
  saveCheckpoint(data: CheckpointData): string;
  /** The checkpoint a resumed run continues from, or undefined when there is none (a fresh start). */
  resumePoint(): ResumePoint | undefined;
  loadCheckpoint(ref: string): CheckpointData;
  /** Deletes a checkpoint the run no longer needs (a superseded rollback target of the collapse guard). */
  removeCheckpoint(ref: string): void;
  /**
   * A rollback to the checkpoint `ref` of update `step`: the run's later checkpoints are set aside
   * (a resume must not continue from them) and `ref` becomes the latest.
   */
  rollBack(ref: string, step: number): void;
  /**
   * A reference to one of this run's checkpoints as saved in an earlier checkpoint (the collapse
   * guard's targets), made valid where the run is now: a run folder moved or copied since still
   * rolls back to, and deletes, its own files.
   */
  localRef(ref: string): string;
  /**
   * Loads `model.pretrained` (a plca checkpoint or a PyTorch file) into `model`; undefined for a
   * plca checkpoint (nothing to report), the load's summary for a PyTorch file.
   */
  loadPretrained(model: Segmentor, path: string): PretrainedLoad | undefined;
}

const copyGroup = (g: TensorGroup): TensorGroup =>
  new Map([...g].map(([n, t]) => [n, { shape: [...t.shape], dtype: t.dtype, data: t.data.slice() }]));

const copyCheckpoint = (d: CheckpointData): CheckpointData => ({
  ...d,
  config: structuredClone(d.config),
  groups: Object.fromEntries(Object.entries(d.groups).map(([k, g]) => [k, copyGroup(g)])),
  streams: structuredClone(d.streams),
  extra: d.extra === undefined ? undefined : structuredClone(d.extra),
});

/** A run kept in memory: config, log records and every checkpoint (copied in and out). */
export class MemoryRunStore implements RunStore {
  readonly location: string;
  config: ResolvedConfig | undefined;
  readonly log: Array<Record<string, unknown>> = [];
  private readonly checkpoints = new Map<string, CheckpointData>();
  private latest: { ref: string; data: CheckpointData } | undefined;

  constructor(name = 'run') {
    this.location = `memory:${name}`;
  }

  saveConfig(cfg: ResolvedConfig): void {
    this.config = structuredClone(cfg);
  }

  appendLog(record: Record<string, unknown>): void {
    this.log.push(record);
  }

  saveCheckpoint(data: CheckpointData): string {
    const ref = `${this.location}/step_${data.step}`;
    const copy = copyCheckpoint(data);
    this.checkpoints.set(ref, copy);
    this.latest = { ref, data: copy };
    return ref;
  }

  resumePoint(): ResumePoint | undefined {
    if (this.latest === undefined) return undefined;
    const { ref, data } = this.latest;
    return { file: ref, step: data.step, modelName: data.modelName, config: data.config, notes: [] };
  }

  loadCheckpoint(ref: string): CheckpointData {
    const d = this.checkpoints.get(ref);
    if (d === undefined) throw new PlcaError('PLCA_FILE_NOT_FOUND', `checkpoint not found: ${ref}`, { hint: `${this.location} holds ${[...this.checkpoints.keys()].join(', ') || 'no checkpoint'}` });
    return copyCheckpoint(d);
  }

  removeCheckpoint(ref: string): void {
    this.checkpoints.delete(ref);
  }

  rollBack(ref: string, step: number): void {
    const d = this.checkpoints.get(ref);
    if (d === undefined) throw new PlcaError('PLCA_FILE_NOT_FOUND', `checkpoint not found: ${ref}`);
    for (const [r, c] of this.checkpoints) if (c.step > step) this.checkpoints.delete(r);
    this.latest = { ref, data: d };
  }

  localRef(ref: string): string {
    return ref;
  }

  loadPretrained(_model: Segmentor, path: string): PretrainedLoad | undefined {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `model.pretrained "${path}" names a file, and ${this.location} has no file system`, {
      hint: 'set model.pretrained to null, or assign the weights to io.model before training',
    });
  }
}

type StoreFactory = (outDir: string) => RunStore;
let fileStores: StoreFactory | undefined;

/** Registered by the Node entry (train/index.ts): the store of a run directory. */
export function setRunDirectoryStore(f: StoreFactory): void {
  fileStores = f;
}

/** The store of `io.store ?? io.outDir`. */
export function openRunStore(io: { store?: RunStore; outDir?: string }): RunStore {
  if (io.store !== undefined) return io.store;
  if (io.outDir === undefined) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', 'train: give io.outDir (a run directory) or io.store', { hint: 'e.g. train(cfg, { source, outDir: "runs/my-run" })' });
  }
  if (fileStores === undefined) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `train: io.outDir "${io.outDir}" needs a file system, which this entry point has none of`, {
      hint: 'in a browser pass io.store (new MemoryRunStore()); in Node import plca from "plca"',
    });
  }
  return fileStores(io.outDir);
}
