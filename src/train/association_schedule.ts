/**
 * The association weight's schedule: a source-only warm-up, then a linear ramp of β2 (Eq. (14)'s
 * weight of L^fass and L^cass) up to its configured value. A pure function of the update index,
 * so a resumed run weights every update exactly as a run straight through does.
 */

export interface AssociationSchedule {
  /** Updates with the association off (0-based indices below this). */
  warmupUpdates: number;
  /** Updates over which the factor rises to 1 after the warm-up. */
  rampUpdates: number;
}

/** The schedule of a run: warm-up and ramp are shares of `maxIters`, rounded to whole updates. */
export function associationSchedule(maxIters: number, warmupShare: number, rampShare: number): AssociationSchedule {
  return { warmupUpdates: Math.round(warmupShare * maxIters), rampUpdates: Math.round(rampShare * maxIters) };
}

/**
 * The factor on β2 for the update with 0-based index `update`: 0 during the warm-up, then
 * 1/n, 2/n, … 1 over the n ramp updates, then 1.
 */
export function associationFactor(s: AssociationSchedule, update: number): number {
  if (update < s.warmupUpdates) return 0;
  if (s.rampUpdates === 0) return 1;
  return Math.min(1, (update - s.warmupUpdates + 1) / s.rampUpdates);
}

/** What happens at this update, for the log: the association switching on, or reaching full weight. */
export function scheduleMilestone(s: AssociationSchedule, update: number): 'association_on' | 'full_weight' | undefined {
  if (s.warmupUpdates > 0 && update === s.warmupUpdates) return 'association_on';
  if (s.rampUpdates > 1 && update === s.warmupUpdates + s.rampUpdates - 1) return 'full_weight';
  return undefined;
}
