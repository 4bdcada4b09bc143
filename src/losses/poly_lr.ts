// Poly learning-rate schedule, as the reference's `adjust_learning_rate_poly`.
import { check } from '../util/errors.js';

/**
 * (1 − iter/maxIter)^power, the factor on the base learning rate.
 * @param iter current update, 0 ≤ iter ≤ maxIter
 * @param maxIter the schedule's length (the reference uses POLY.MAX_EPOCHS, past the last update)
 * @param power @default 0.9
 */
export function polyLrFactor(iter: number, maxIter: number, power = 0.9): number {
  check(maxIter > 0, 'polyLrFactor', `maxIter must be positive, got ${maxIter}`);
  check(iter >= 0 && iter <= maxIter, 'polyLrFactor', `iter must lie in [0, ${maxIter}], got ${iter}`);
  return Math.pow(1 - iter / maxIter, power);
}
