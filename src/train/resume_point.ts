/**
 * Which checkpoint a resumed run continues from. The rule that keeps a resume from losing
 * anything: continue from the newest `step_*.ckpt` of the directory, after verifying its SHA-256,
 * whatever `latest.json` says (the pointer is written after the checkpoint, so a crash, a lost
 * file or a hand edit can leave it behind or missing). A run continued from an older file would
 * later write its own checkpoints over the newer ones it never loaded; so when the newest file is
 * damaged the resume is refused, naming it and the newest intact one, and nothing is touched.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { PlcaError, isPlcaError } from '../util/errors.js';
import { LATEST_FILE, listStepFiles, readPointer, verifyCheckpoint, type CheckpointSummary } from './checkpoint.js';

export interface ResumePoint extends CheckpointSummary {
  /** Said to the user (and logged): why this file and not the one latest.json names, if they differ. */
  notes: string[];
}

/**
 * The checkpoint in `dir` (a run's checkpoints/ directory) to resume from.
 * @returns undefined when `dir` holds neither checkpoints nor a pointer (a fresh start)
 * @throws PLCA_CHECKPOINT_INVALID when the newest checkpoint is damaged, or when the pointer
 *   names a checkpoint that is gone and no other is there
 */
export function findResumeCheckpoint(dir: string): ResumePoint | undefined {
  const ptr = readPointer(dir);
  const candidates = listStepFiles(dir);
  // A pointer may name a file of another name (e.g. written by `plca model import`).
  if (ptr.state === 'ok' && existsSync(ptr.file) && !candidates.some((c) => c.file === ptr.file)) {
    candidates.push({ file: ptr.file, step: ptr.step ?? 0 });
    candidates.sort((a, b) => b.step - a.step);
  }
  if (candidates.length === 0) {
    if (ptr.state === 'missing') return undefined;
    const what = ptr.state === 'invalid' ? `${ptr.path} is ${ptr.why}` : `${ptr.path} names ${basename(ptr.file)}, which is missing`;
    throw new PlcaError('PLCA_CHECKPOINT_INVALID', `cannot resume: ${what}, and ${dir} holds no step_*.ckpt file`, {
      hint: `the run's checkpoints are gone; to start it over, remove ${dir} (or choose another --out) and leave out --resume`,
    });
  }
  const newest = candidates[0];
  let found: CheckpointSummary;
  try {
    found = verifyCheckpoint(newest.file);
  } catch (e) {
    if (!isPlcaError(e) || e.code !== 'PLCA_CHECKPOINT_INVALID') throw e;
    throw refuseDamaged(newest.file, e, candidates.slice(1));
  }
  return { ...found, notes: pointerNotes(ptr, found.file) };
}

function isIntact(file: string): boolean {
  try {
    verifyCheckpoint(file);
    return true;
  } catch {
    return false;
  }
}

/** Resuming from an older file would write over the damaged newest one: refuse, saying which older one is intact. */
function refuseDamaged(file: string, cause: PlcaError, older: readonly { file: string }[]): PlcaError {
  const intact = older.find((c) => isIntact(c.file));
  const reason = cause.message.replace(/^checkpoint \S+ /, '');
  const hint = intact === undefined
    ? `no intact checkpoint is left; move ${file} aside and start the run over (leave out --resume), or choose another --out`
    : `${basename(intact.file)} is intact: to continue from it, move the damaged file aside (mv ${file} ${file}.damaged) and resume again`;
  return new PlcaError('PLCA_CHECKPOINT_INVALID',
    `cannot resume: the newest checkpoint ${file} ${reason}; resuming from an older one would write over it`, { hint, cause });
}

function pointerNotes(ptr: ReturnType<typeof readPointer>, chosen: string): string[] {
  const name = basename(chosen);
  if (ptr.state === 'missing') return [`${ptr.path} is missing; resuming from the newest intact checkpoint, ${name}`];
  if (ptr.state === 'invalid') return [`${ptr.path} is ${ptr.why}; resuming from the newest intact checkpoint, ${name}`];
  if (ptr.file === chosen) return [];
  return [`${LATEST_FILE} names ${basename(ptr.file)}, but ${name} is newer and intact; resuming from ${name}`];
}
