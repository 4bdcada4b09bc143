// A `--target-style` value as the runs' configs get it: a shift preset's name as is, a file as an
// absolute path (arm processes may run in another working directory).
import { resolve } from 'node:path';
import { looksLikeShiftName } from '../minicity/shifts.js';

export function styleArg(value: string): string {
  return looksLikeShiftName(value) ? value : resolve(value);
}
