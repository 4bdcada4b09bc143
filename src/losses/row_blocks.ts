// Row blocks of an [L1, L2] matrix that is never held whole: the blocked association (Eq. 1–4)
// and the blocked spatial aggregation (Eq. 7–8) both walk their rows this way.

/** Entries of one block above which 'auto' switches to row blocks (8 MB of float32). */
export const DEFAULT_BLOCK_ELEMENTS = 1 << 21;

/** Block row count for L2 columns under `blockElements`. */
export function defaultBlockRows(l2: number, blockElements = DEFAULT_BLOCK_ELEMENTS): number {
  return Math.max(1, Math.floor(blockElements / l2));
}

/** [first row, row count] of each block of `rows` rows over `l` rows (the last may be shorter). */
export function rowBlocks(l: number, rows: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let r = 0; r < l; r += rows) out.push([r, Math.min(rows, l - r)]);
  return out;
}
