/**
 * The trainer's log records. Every record goes to `onEvent` (the CLI draws its progress bar
 * from the `step` records); the JSONL file gets every record except `step` records between
 * log intervals.
 */

export interface StepEvent {
  type: 'step';
  /** Updates completed (1-based). */
  step: number;
  maxIters: number;
  /** Base learning rate of this update (poly schedule); the classifier gets lr × classifierLrMult. */
  lr: number;
  /** Weighted total, averaged over the micro-batches. */
  loss: number;
  /** Unweighted terms (ce, lovasz, fass, cass, lsrS, lsrT, ...), averaged over the micro-batches. */
  terms: Record<string, number>;
  /** Association diagnostics (cover, positive, correct ratios). */
  diagnostics: Record<string, number>;
  /** Global L2 norm of the update's (accumulated) gradient, before weight decay. */
  gradNorm: number;
  /** Wall time of this update. */
  ms: number;
  /** Wall time since the start of this process's run. */
  elapsedMs: number;
}

/**
 * What the association schedule and the collapse guard did (docs/minicity.md, "Never worse than the
 * start"): the association switching on after the warm-up, reaching full weight after the ramp,
 * a rollback to the last healthy checkpoint with a smaller weight, or the guard giving up
 * (source-only from there).
 */
export interface AdaptationEvent {
  type: 'adaptation';
  /** The update count when it happened (for a rollback: where the collapse was detected). */
  step: number;
  action: 'association_on' | 'full_weight' | 'rollback' | 'source_only';
  /** β2's factor from then on, before the ramp (the guard's: weightFactor^rollbacks, 0 after giving up). */
  guardFactor: number;
  message: string;
  /** rollback and source_only: the update the run continues from, its checkpoint, why. */
  to?: number;
  checkpoint?: string;
  reasons?: string[];
  signals?: { coverRatio?: number; classesUsed?: number };
}

export type TrainEvent =
  | {
    type: 'start'; step: number; maxIters: number; resumedFrom: string | null; outDir: string; model: string; mode: string; params: number;
    /** Why the run resumed from this checkpoint and not the one latest.json names, when they differ. */
    notes: string[];
  }
  | StepEvent
  | { type: 'pretrained'; step: number; file: string; format: string; convention: string; loaded: number; missing: number; unexpected: number; skipped: number; message: string }
  | { type: 'warning'; step: number; code: 'association_collapse'; message: string; value: number }
  | AdaptationEvent
  | { type: 'validation'; step: number; metrics: Record<string, number> }
  | { type: 'checkpoint'; step: number; path: string }
  | { type: 'nan'; step: number; term: string; lastCheckpoint: string | null }
  /** The update after `step` ran out of memory; peaks in MB (null where unknown). */
  | { type: 'oom'; step: number; peakRssMB: number | null; heapMB: number | null; lastCheckpoint: string | null }
  | { type: 'interrupted'; step: number; checkpoint: string }
  | { type: 'end'; step: number; checkpoint: string; elapsedMs: number };

/** Hands records to the run's log (a JSONL file in a run directory) and to `onEvent`. */
export class RunLog {
  constructor(private readonly append: (record: Record<string, unknown>) => void, private readonly onEvent?: (e: TrainEvent) => void) {}

  emit(e: TrainEvent, toLog = true): void {
    if (toLog) this.append({ time: new Date().toISOString(), ...e });
    this.onEvent?.(e);
  }
}
