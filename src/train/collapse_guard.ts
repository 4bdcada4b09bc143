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
 *
 * A slow decline (docs/results/minicity-shifts-full.md: night_busy_sensor, target mIoU 32.3 → 20.5
 * over 300 updates while the cover ratio fell 0.40 → 0.23, never near the collapse threshold) is a
 * drift: a window's mean cover ratio below `coverDrop` × the best window mean of the run. Its
 * rollback target is the best window's checkpoint (kept for that), since the confirmed-healthy one
 * is already part of the way down.
 */
import type { ResolvedConfig } from '../config/schema.js';

export type GuardConfig = ResolvedConfig['train']['collapseGuard'];

export const COVER_KEY = 'fass.coverRatio';
export const CLASSES_KEY = 'target.classesUsed';

/** The guard's state, saved in each checkpoint's `extra.guard`. */
/** A checkpoint the guard may roll back to: its store reference and update. */
export interface Ref { ref: string; step: number }

export interface GuardState {
  /** Multiplies β2 on top of the warm-up/ramp schedule: weightFactor^rollbacks, 0 once it gave up. */
  factor: number;
  rollbacks: number;
  /** The last confirmed-healthy checkpoint (the rollback target). */
  healthy: Ref | null;
  /** The checkpoint of the last healthy window, confirmed by the next one. */
  pending: Ref | null;
  /** The checkpoint of the healthy window with the highest mean cover ratio (the drift rule's reference and target). */
  best: (Ref & { cover: number }) | null;
  /** This window's signals so far. */
  cover: number[];
  classes: number[];
}

export type GuardVerdict =
  | { kind: 'continue' }
  /** The window was healthy: checkpoint now (the new pending). */
  | { kind: 'healthy' }
  /** Collapsed: roll back to `to` with the new factor (0: gave up, source-only from there). */
  | { kind: 'collapse'; to: Ref; factor: number; gaveUp: boolean; reasons: string[]; signals: { coverRatio?: number; classesUsed?: number }; drift: boolean };

/** Stands for the checkpoint's own reference in its saved guard state. */
const SELF = '<this checkpoint>';

/** Replaces the reference of each checkpoint the state names (healthy, pending, best) by `f` of it. */
function mapRefs(st: GuardState, f: (ref: string) => string): void {
  if (st.healthy !== null) st.healthy = { ...st.healthy, ref: f(st.healthy.ref) };
  if (st.pending !== null) st.pending = { ...st.pending, ref: f(st.pending.ref) };
  if (st.best !== null) st.best = { ...st.best, ref: f(st.best.ref) };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export class CollapseGuard {
  state: GuardState = { factor: 1, rollbacks: 0, healthy: null, pending: null, best: null, cover: [], classes: [] };
  /** The judged cover ratio of a healthy window that beat the best, until its checkpoint is written (wroteHealthy). */
  private newBest: number | null = null;

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
    this.newBest = null;
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
    let to: Ref | null = s.healthy;
    const c = signals.coverRatio;
    const best = s.best;
    const drift = reasons.length === 0 && c !== undefined && best !== null && c < this.cfg.coverDrop * best.cover;
    if (drift) {
      reasons.push(`mean feature cover ratio ${c.toFixed(3)} < ${this.cfg.coverDrop} × its best ${best.cover.toFixed(3)} (update ${best.step}): a slow decline`);
      to = { ref: best.ref, step: best.step };
    }
    if (reasons.length === 0 || to === null) {
      if (c !== undefined && (best === null || c > best.cover)) this.newBest = c;
      return { kind: 'healthy' };
    }
    const gaveUp = s.rollbacks >= this.cfg.maxRollbacks;
    const factor = gaveUp ? 0 : s.factor * this.cfg.weightFactor;
    return { kind: 'collapse', to, factor, gaveUp, reasons, signals, drift };
  }

  /**
   * A healthy window's checkpoint was written: it becomes pending, the previous pending becomes
   * the healthy one, and it is the best when its cover ratio beat the best. Returns the
   * checkpoints the guard no longer needs (a superseded healthy or best one), oldest first.
   */
  wroteHealthy(ref: string, step: number): Ref[] {
    const s = this.state;
    const before = this.held();
    if (s.healthy === null) {
      s.healthy = { ref, step };
    } else {
      if (s.pending !== null && s.pending.ref !== ref) s.healthy = s.pending;
      s.pending = { ref, step };
    }
    if (this.newBest !== null) s.best = { ref, step, cover: this.newBest };
    this.newBest = null;
    const after = new Set(this.held().map((r) => r.ref));
    return before.filter((r) => !after.has(r.ref) && r.ref !== ref).sort((a, b) => a.step - b.step);
  }

  /** The checkpoints the guard may roll back to (distinct). */
  private held(): Ref[] {
    const s = this.state;
    const all = [s.healthy, s.pending, s.best].filter((r): r is NonNullable<typeof r> => r !== null).map((r) => ({ ref: r.ref, step: r.step }));
    return all.filter((r, i) => all.findIndex((x) => x.ref === r.ref) === i);
  }

  /**
   * The guard's state for the checkpoint about to be written at `step`: a reference to that very
   * checkpoint (not known before it is written) is saved as SELF.
   */
  snapshot(selfRef: string | undefined): GuardState {
    const st = structuredClone(this.state);
    mapRefs(st, (r) => (r === selfRef ? SELF : r));
    return st;
  }

  /** A checkpoint the state names by `from` is now known as `to` (a reference learnt once it is written). */
  renameRef(from: string, to: string): void {
    mapRefs(this.state, (r) => (r === from ? to : r));
  }

  /**
   * After a rollback to `to` (rewritten as `ref`): the new factor, one more rollback, nothing
   * pending, a fresh window. The best stays the reference (it is `to` after a drift, or older).
   */
  rolledBack(to: Ref, factor: number, ref: string = to.ref): void {
    const s = this.state;
    s.factor = factor;
    s.rollbacks += 1;
    this.renameRef(to.ref, ref);
    s.healthy = { ref, step: to.step };
    s.pending = null;
    s.cover = [];
    s.classes = [];
  }

  /**
   * Restores the state of a checkpoint's `extra.guard` (a run resumed from `ref`); false when it
   * holds none. `local` maps the other saved references to where the run's checkpoints are now.
   */
  load(saved: unknown, ref: string, local: (ref: string) => string = (r) => r): boolean {
    if (saved === undefined || saved === null) return false;
    const st = structuredClone(saved as GuardState);
    st.best ??= null; // saved before the drift rule
    mapRefs(st, (r) => (r === SELF ? ref : local(r)));
    this.state = st;
    return true;
  }
}
