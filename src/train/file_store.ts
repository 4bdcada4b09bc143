/**
 * A run directory as a RunStore: `config.json`, `train_log.jsonl` (appended, so a resumed run
 * continues the same log) and `checkpoints/` (atomic files and the `latest.json` pointer).
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { saveResolvedConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/schema.js';
import { describePretrained, isTorchWeightsPath, loadPretrained } from '../models/pretrained.js';
import type { Segmentor } from '../models/segmentor.js';
import { listStepFiles, loadCheckpoint, pointLatest, saveCheckpoint, type CheckpointData } from './checkpoint.js';
import { restoreModel } from './restore.js';
import { findResumeCheckpoint, type ResumePoint } from './resume_point.js';
import { setRunDirectoryStore, type PretrainedLoad, type RunStore } from './run_store.js';

export class FileRunStore implements RunStore {
  readonly checkpointDir: string;
  readonly logPath: string;

  constructor(readonly location: string) {
    this.checkpointDir = join(location, 'checkpoints');
    this.logPath = join(location, 'train_log.jsonl');
    mkdirSync(location, { recursive: true });
  }

  saveConfig(cfg: ResolvedConfig): void {
    saveResolvedConfig(this.location, cfg);
  }

  appendLog(record: Record<string, unknown>): void {
    appendFileSync(this.logPath, `${JSON.stringify(record)}\n`);
  }

  saveCheckpoint(data: CheckpointData): string {
    return saveCheckpoint(this.checkpointDir, data);
  }

  /** The newest intact step file, whatever latest.json says (see findResumeCheckpoint). */
  resumePoint(): ResumePoint | undefined {
    return findResumeCheckpoint(this.checkpointDir);
  }

  loadCheckpoint(ref: string): CheckpointData {
    return loadCheckpoint(ref);
  }

  removeCheckpoint(ref: string): void {
    rmSync(ref, { force: true });
  }

  /** Later step files move to checkpoints/rolled_back/ (kept to inspect, out of a resume's reach). */
  rollBack(ref: string, step: number): void {
    const aside = join(this.checkpointDir, 'rolled_back');
    for (const f of listStepFiles(this.checkpointDir)) {
      if (f.step <= step) continue;
      mkdirSync(aside, { recursive: true });
      renameSync(f.file, join(aside, basename(f.file)));
    }
    pointLatest(this.checkpointDir, ref, step);
  }

  /** The step file of that name in this run's checkpoints/, when there is one; else `ref` as it is. */
  localRef(ref: string): string {
    const here = join(this.checkpointDir, basename(ref));
    return existsSync(here) ? here : ref;
  }

  loadPretrained(model: Segmentor, path: string): PretrainedLoad | undefined {
    if (!isTorchWeightsPath(path)) {
      restoreModel(model, path);
      return undefined;
    }
    const r = loadPretrained(model, path);
    return { format: r.format, convention: r.convention, loaded: r.loaded.length, missing: r.missing.length,
      unexpected: r.unexpected.length, skipped: r.skipped.length, message: describePretrained(r) };
  }
}

setRunDirectoryStore((outDir) => new FileRunStore(outDir));
