/**
 * The collapse guard's bookkeeping (docs/minicity.md, "Never worse than the start"): it reads the
 * label-free signals of each update (the feature cover ratio of the cycles, the classes predicted
 * on the target batch), judges them a window at a time, and decides what the trainer does at a
 * window's end: checkpoint a healthy state, or roll back to the last healthy checkpoint with a
 * smaller association weight, or, after `maxRollbacks`, turn the association off for good.
 *
 * Which checkpoint is "healthy": one written at the end of a healthy window AND followed by
 * another healthy window (a collapse shows in the signals only after it has begun, so the newest
 * healthy-looking checkpoint may already be on the way down). Its state is plain JSON, saved in
 * every checkpoint, so a resumed run guards exactly as a run straight through.
 */
import type { ResolvedConfig } from '../config/schema.js';

export type GuardConfig = ResolvedConfig['train']['collapseGuard'];

export const COVER_KEY = 'fass.coverRatio';
export const CLASSES_KEY = 'target.classesUsed';

/** The guard's state, saved in each checkpoint's `extra.guard`. */
export interface GuardState {
  /** Multiplies β2 on top of the warm-up/ramp schedule: weightFactor^rollbacks, 0 once it gave up. */
  factor: number;
  rollbacks: number;
  /** The last confirmed-healthy checkpoint (the rollback target). */
  healthy: { ref: string; step: number } | null;
  /** The checkpoint of the last healthy window, confirmed by the next one. */
  pending: { ref: string; step: number } | null;
  /** This window's signals so far. */
  cover: number[];
  classes: number[];
}

export type GuardVerdict =
  | { kind: 'continue' }
  /** The window was healthy: checkpoint now (the new pending). */
  | { kind: 'healthy' }
  /** Collapsed: roll back to `to` with the new factor (0: gave up, source-only from there). */
  | { kind: 'collapse'; to: { ref: string; step: number }; factor: number; gaveUp: boolean; reasons: string[]; signals: { coverRatio?: number; classesUsed?: number } };

/** Stands for the checkpoint's own reference in its saved guard state. */
const SELF = '<this checkpoint>';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export class CollapseGuard {
  state: GuardState = { factor: 1, rollbacks: 0, healthy: null, pending: null, cover: [], classes: [] };

  constructor(private readonly cfg: GuardConfig) {}

  /** Records one update's diagnostics (only those with the association on carry a cover ratio). */
  observe(diagnostics: Record<string, number>): void {
    const c = diagnostics[COVER_KEY];
    if (c === undefined) return;
    this.state.cover.push(c);
    const k = diagnostics[CLASSES_KEY];
    if (k !== undefined) this.state.classes.push(k);
  }

  /**
   * At the end of update `step` (1-based count): nothing between window ends; at a window end, the
   * verdict on the window. A window with the association on for less than half of it (the warm-up,
   * or a guard that gave up) has too few signals to judge, and counts as healthy.
   */
  check(step: number): GuardVerdict {
    if (step % this.cfg.window !== 0) return { kind: 'continue' };
    const s = this.state;
    const cover = s.cover;
    const classes = s.classes;
    s.cover = [];
    s.classes = [];
    const reasons: string[] = [];
    const signals: { coverRatio?: number; classesUsed?: number } = {};
    if (cover.length >= Math.ceil(this.cfg.window / 2)) {
      signals.coverRatio = mean(cover);
      if (signals.coverRatio < this.cfg.coverRatio) {
        reasons.push(`mean feature cover ratio ${signals.coverRatio.toFixed(3)} < ${this.cfg.coverRatio}`);
      }
      if (classes.length > 0) {
        signals.classesUsed = mean(classes);
        if (signals.classesUsed <= this.cfg.maxClasses) {
          reasons.push(`target predictions use ${signals.classesUsed.toFixed(1)} classes on average (≤ ${this.cfg.maxClasses})`);
        }
      }
    }
    if (reasons.length === 0 || s.healthy === null) return { kind: 'healthy' };
    const gaveUp = s.rollbacks >= this.cfg.maxRollbacks;
    const factor = gaveUp ? 0 : s.factor * this.cfg.weightFactor;
    return { kind: 'collapse', to: s.healthy, factor, gaveUp, reasons, signals };
  }

  /**
   * A healthy window's checkpoint was written: it becomes pending, the previous pending becomes
   * the healthy one. Returns the checkpoint the guard no longer needs (the old healthy one), if any.
   */
  wroteHealthy(ref: string, step: number): { ref: string; step: number } | undefined {
    const s = this.state;
    if (s.healthy === null) {
      s.healthy = { ref, step };
      return undefined;
    }
    const old = s.healthy;
    if (s.pending !== null && s.pending.ref !== ref) s.healthy = s.pending;
    s.pending = { ref, step };
    return old.ref !== s.healthy.ref && old.ref !== ref ? old : undefined;
  }

  /**
   * The guard's state for the checkpoint about to be written at `step`: a reference to that very
   * checkpoint (not known before it is written) is saved as SELF.
   */
  snapshot(selfRef: string | undefined): GuardState {
    const st = structuredClone(this.state);
    for (const k of ['healthy', 'pending'] as const) if (st[k] !== null && st[k].ref === selfRef) st[k] = { ...st[k], ref: SELF };
    return st;
  }

  /** After a rollback to `to`: the new factor, one more rollback, nothing pending, a fresh window. */
  rolledBack(to: { ref: string; step: number }, factor: number): void {
    const s = this.state;
    s.factor = factor;
    s.rollbacks += 1;
    s.healthy = to;
    s.pending = null;
    s.cover = [];
    s.classes = [];
  }

  /** Restores the state of a checkpoint's `extra.guard` (a run resumed from `ref`); false when it holds none. */
  load(saved: unknown, ref: string): boolean {
    if (saved === undefined || saved === null) return false;
    const st = structuredClone(saved as GuardState);
    for (const k of ['healthy', 'pending'] as const) if (st[k] !== null && st[k].ref === SELF) st[k] = { ...st[k], ref };
    this.state = st;
    return true;
  }
}
