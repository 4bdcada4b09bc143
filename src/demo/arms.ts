/**
 * The demo's and the benchmark's training arms as configs: one MiniCity base (the prototype's
 * net, schedule and data layout, notes/minicity-prototype.md §2, §5) plus a mode, a net and
 * the loss weights.
 */
import { resolveConfig, mergeConfigs, type MethodMode, type ResolvedConfig, type UserConfig } from '../config/index.js';
import { PlcaError } from '../util/errors.js';

/**
 * Loss weightings the demo can run (β1 = Lovász, β2 = each association, β3 = each LSR).
 * - `scaled` (default): β2 = 0.02. The prototype (notes/minicity-prototype.md §3.2) found the
 *   paper's 0.1 unstable with this 265 k-parameter GN net on 64×128 scenes (helps early, then
 *   decays or collapses); 0.02 gave a repeatable gain. A scale-dependent deviation from the paper.
 *   Measured here (scripts/minicity_arm.ts, k 0.6, 1000 train images, 200 target-val): at 600
 *   updates source-only 55.1 / 46.0 vs PLCA `scaled` 66.0 / 59.1 (seeds 0 / 1); at 300 updates,
 *   seed 0, source-only 49.3, PLCA `scaled` 57.9, PLCA `reference` 54.5 against 51.7 for
 *   source-only with the same β1 1.5.
 * - `paper`: Eq. (14) as printed, β1 0.75, β2 0.1.
 * - `reference`: the released code's effective weighting (notes §4.3): its Lovász term is scaled by
 *   ITER_SIZE = 2 inside a total divided by ITER_SIZE, so β1 is effectively 1.5 relative to CE and
 *   the association terms (β2 0.1). Source-only arms use the same β1, so the control stays fair.
 *   It adapts without collapsing at k 0.6, but gains +2.9 where `scaled` gains +8.6 (300 updates).
 */
export const WEIGHTINGS = {
  scaled: { ce: 1, lovasz: 0.75, association: 0.02, lsr: 0.01 },
  paper: { ce: 1, lovasz: 0.75, association: 0.1, lsr: 0.01 },
  reference: { ce: 1, lovasz: 1.5, association: 0.1, lsr: 0.01 },
} as const;
export type WeightingName = keyof typeof WEIGHTINGS;

export interface ArmSpec {
  /** key in results (e.g. 'plca', 'source_only') */
  key: string;
  /** table label */
  label: string;
  mode: MethodMode;
  model: 'minicity-gn' | 'minicity-bn';
}

/** The demo's two arms: the fair baseline (PLCA contains Lovász, prototype §3.2) and PLCA. */
export const DEMO_ARMS: readonly ArmSpec[] = [
  { key: 'source_only', label: 'source only (CE + Lovász)', mode: 'source_only_lovasz', model: 'minicity-gn' },
  { key: 'plca', label: 'PLCA', mode: 'plca', model: 'minicity-gn' },
];

/**
 * The analogue of the paper's Table 1 on MiniCity, plus the target-statistics control. The
 * control only means something with BatchNorm, so it is the BN net run source-only and with a
 * target forward that only moves BN statistics ("lovbn"), next to PLCA on the same BN net.
 */
export const ABLATION_ARMS: readonly ArmSpec[] = [
  { key: 'ce', label: 'CE only', mode: 'source_only', model: 'minicity-gn' },
  { key: 'lovasz', label: '+ Lovász', mode: 'source_only_lovasz', model: 'minicity-gn' },
  { key: 'fass', label: '+ feature association', mode: 'plca_fass', model: 'minicity-gn' },
  { key: 'cass', label: '+ prediction association', mode: 'plca_fass_cass', model: 'minicity-gn' },
  { key: 'plca', label: '+ LSR (= PLCA)', mode: 'plca', model: 'minicity-gn' },
  { key: 'sim_plca', label: 'Sim-PLCA', mode: 'sim_plca', model: 'minicity-gn' },
  { key: 'plca_no_sagg', label: 'PLCA w/o spatial aggregation', mode: 'plca_no_sagg', model: 'minicity-gn' },
  { key: 'bn_lovasz', label: 'BN net: source only (CE + Lovász)', mode: 'source_only_lovasz', model: 'minicity-bn' },
  { key: 'bn_lovbn', label: 'BN net: + target BN statistics (control)', mode: 'source_only_lovasz_tgtbn', model: 'minicity-bn' },
  { key: 'bn_plca', label: 'BN net: PLCA', mode: 'plca', model: 'minicity-bn' },
];

export interface ArmSettings {
  steps: number;
  seed: number;
  /** source (and target) images per update. @default 4 */
  batchSize?: number;
  /** @default 0.02 */
  lr?: number;
  /** @default 'scaled' */
  weighting?: WeightingName;
  /** bilinear downsampling of features/logits before association (0.5: the stride-8 grid). @default 0.5 */
  associationScale?: number;
  /** wasm threads, or null for all cores. @default null */
  threads?: number | null;
  backend?: 'auto' | 'wasm' | 'cpu';
  /** extra `key.path=value` overrides (scripts) */
  overrides?: string[];
}

/** The resolved config of one arm. */
export function armConfig(arm: ArmSpec, s: ArmSettings): ResolvedConfig {
  if (!Number.isInteger(s.steps) || s.steps < 1) throw new PlcaError('PLCA_INVALID_ARGUMENT', `demo: steps must be an integer >= 1, got ${s.steps}`);
  const weighting = s.weighting ?? 'scaled';
  if (!(weighting in WEIGHTINGS)) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `demo: unknown weighting "${weighting}"; known: ${Object.keys(WEIGHTINGS).join(', ')}`);
  }
  const user: UserConfig = mergeConfigs({
    name: `minicity_${arm.key}`,
    model: { name: arm.model, numClasses: 9 },
    data: {
      source: { dataset: 'minicity', root: 'minicity', split: 'source_train' },
      target: { dataset: 'minicity', root: 'minicity', split: 'target_train' },
      val: { dataset: 'minicity', root: 'minicity', split: 'target_val' },
      // Only descriptive: the demo feeds generated sets through MiniCity streams, which crop
      // nothing and normalise as DEMO_NORM; the trainer reads none of the data section.
      workers: 0,
    },
    method: { mode: arm.mode, weights: { ...WEIGHTINGS[weighting] }, associationScale: s.associationScale ?? 0.5 },
    optim: { lr: s.lr ?? 0.02, momentum: 0.9, weightDecay: 5e-4, polyPower: 0.9, classifierLrMult: 1 },
    train: {
      batchSize: s.batchSize ?? 4, gradAccum: 1, maxIters: s.steps, polyHorizon: s.steps, seed: s.seed,
      checkpointInterval: s.steps, valInterval: null, logInterval: Math.max(1, Math.round(s.steps / 60)),
    },
    runtime: { backend: s.backend ?? 'auto', threads: s.threads ?? null },
  });
  return resolveConfig(user, s.overrides ?? [], { source: `demo arm ${arm.key}` });
}
