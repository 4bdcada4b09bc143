/**
 * The poly learning-rate schedule of the paper (§4.2) and the reference (`solver/utils.py`,
 * POLY.POWER 0.9): lr = base · (1 − it/horizon)^power. The horizon may exceed the updates run
 * (reference §4.9: 30 poly epochs, 28 trained), so the LR need not reach 0.
 */
import { PlcaError } from '../util/errors.js';

/**
 * Poly factor (1 − iter/horizon)^power.
 * @param iter the update about to run, 0-based, 0 ≤ iter ≤ horizon
 * @param horizon the poly horizon in updates
 * @param power @default 0.9
 */
export function polyFactor(iter: number, horizon: number, power = 0.9): number {
  if (!Number.isFinite(iter) || iter < 0 || iter > horizon || !(horizon > 0)) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in polyFactor: need 0 ≤ iter ≤ horizon, horizon > 0; got iter ${iter}, horizon ${horizon}`);
  }
  return (1 - iter / horizon) ** power;
}

/** The learning rate of one parameter group at update `iter`: base · mult · polyFactor. */
export function polyLr(baseLr: number, iter: number, horizon: number, power = 0.9, mult = 1): number {
  return baseLr * mult * polyFactor(iter, horizon, power);
}
