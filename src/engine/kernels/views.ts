// The GEMM's operand views (the C enums of csrc/kernels/gemm.c) and im2col geometry: plain
// values, apart from the runtime (which loads the .wasm in Node), so that conv.ts, which
// conv_grad.ts imports on every backend and platform, loads in a browser too.
/** Operand views, as the C enums. */
export const A_DENSE = 0; export const A_DENSE_T = 1; export const A_IM2COL = 2; export const A_IM2COL_T = 3;
export const B_DENSE = 0; export const B_DENSE_T = 1; export const B_TAP_T = 2;
export const C_DENSE = 0; export const C_SCATTER = 1;

/** Convolution geometry of the im2col views (see `Job` in gemm.c). */
export interface Im2col {
  n: number; h: number; w: number; c: number; // source [n, h, w, c]
  oh: number; ow: number; // the pixel grid the GEMM indexes
  kh: number; kw: number; sh: number; sw: number;
  offH: number; offW: number; stepH: number; stepW: number;
}
