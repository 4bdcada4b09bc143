/** Loading a trained model's weights from a checkpoint (for eval, predict, export). */
import type { Segmentor } from '../models/index.js';
import { loadCheckpoint, resolveCheckpointPath } from './checkpoint.js';
import { assignGroup, checkGroup } from './model_state.js';

/**
 * Loads parameters and BN statistics from a checkpoint file (or a run's checkpoint directory)
 * into `model`. PLCA_CHECKPOINT_INVALID names the first parameter that does not fit.
 * @returns the checkpoint's step and resolved config
 */
export function restoreModel(model: Segmentor, path: string): { step: number; config: unknown; file: string } {
  const file = resolveCheckpointPath(path);
  const ck = loadCheckpoint(file);
  checkGroup(model.params, ck.groups.params, 'parameter', file);
  checkGroup(model.state, ck.groups.state, 'state variable', file);
  assignGroup(model.params, ck.groups.params!);
  assignGroup(model.state, ck.groups.state ?? new Map());
  return { step: ck.step, config: ck.config, file };
}
