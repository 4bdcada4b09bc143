import type { Tensor } from '@tensorflow/tfjs-core';
import { PlcaError } from './errors.js';

/** Asserts a tensor's rank; names the op and the argument in the message. */
export function assertRank(t: Tensor, rank: number, op: string, name: string, layout?: string): void {
  if (t.rank !== rank) {
    const l = layout ? ` ${layout}` : '';
    throw new PlcaError(
      'PLCA_INVALID_ARGUMENT',
      `Error in ${op}: ${name} must be rank ${rank}${l}, got rank ${t.rank} [${t.shape.join(', ')}]`,
    );
  }
}

/** Asserts that two shapes agree on the given axes (all axes when omitted). */
export function assertSameShape(
  a: Tensor, b: Tensor, op: string, names: [string, string], axes?: number[],
): void {
  const ax = axes ?? a.shape.map((_, i) => i);
  const ok = a.rank === b.rank && ax.every((i) => a.shape[i] === b.shape[i]);
  if (!ok) {
    throw new PlcaError(
      'PLCA_INVALID_ARGUMENT',
      `Error in ${op}: ${names[0]} [${a.shape.join(', ')}] and ${names[1]} [${b.shape.join(', ')}] ` +
        `must agree on axes ${ax.join(', ')}`,
    );
  }
}
