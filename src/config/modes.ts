/**
 * Table 1 of the paper as objective switches. The columns add L^lov, L^fass, L^cass and L^lsr
 * in turn (Eq. (14)); Sim-PLCA and "w/o SAGG" change the full method in one place each.
 * Spatial aggregation (Eq. (7)) is part of every adaptation column, as in the released configs.
 */
import type { MethodMode, ObjectiveSwitches, ResolvedConfig } from './schema.js';

const OFF: ObjectiveSwitches = {
  lovasz: false, fass: false, cass: false, lsr: false, spatialAgg: false, simAssociation: false, targetBnForward: false,
};
const FULL: ObjectiveSwitches = { ...OFF, lovasz: true, fass: true, cass: true, lsr: true, spatialAgg: true };

export const MODE_SWITCHES: Record<MethodMode, ObjectiveSwitches> = {
  source_only: OFF,
  source_only_lovasz: { ...OFF, lovasz: true },
  source_only_lovasz_tgtbn: { ...OFF, lovasz: true, targetBnForward: true },
  plca_fass: { ...OFF, lovasz: true, fass: true, spatialAgg: true },
  plca_fass_cass: { ...OFF, lovasz: true, fass: true, cass: true, spatialAgg: true },
  plca: FULL,
  sim_plca: { ...FULL, simAssociation: true },
  plca_no_sagg: { ...FULL, spatialAgg: false },
};

/** True when the switches need a target batch: any target loss, or the BN-statistics forward. */
export function needsTarget(s: ObjectiveSwitches): boolean {
  return s.fass || s.cass || s.lsr || s.targetBnForward;
}

/** True when a method section needs target batches: its switches, or the self-training control. */
export function methodNeedsTarget(m: Pick<ResolvedConfig['method'], 'switches' | 'selfTraining'>): boolean {
  return needsTarget(m.switches) || m.selfTraining.loss !== 'none';
}

/** True when any association or target term is on, i.e. the PLCA objective (not plain CE/Lovász) runs. */
export function usesObjective(s: ObjectiveSwitches): boolean {
  return s.fass || s.cass || s.lsr;
}
