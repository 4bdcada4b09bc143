// Shared declarations of plca's wasm kernels (see gemm.c for the design notes).
#ifndef PLCA_KERNELS_H
#define PLCA_KERNELS_H
#include <stdint.h>
#include <wasm_simd128.h>

#ifdef RELAXED
#define MADD(a, b, c) wasm_f32x4_relaxed_madd((a), (b), (c))
#else
#define MADD(a, b, c) wasm_f32x4_add((c), wasm_f32x4_mul((a), (b)))
#endif

#define MR 4
#define NR 8

// Operand views (job fields aKind, bKind, cKind).
enum { A_DENSE = 0, A_DENSE_T = 1, A_IM2COL = 2, A_IM2COL_T = 3 };
enum { B_DENSE = 0, B_DENSE_T = 1, B_TAP_T = 2 };
enum { C_DENSE = 0, C_SCATTER = 1 };

// Every job starts with its operation (src/engine/kernels/runtime.ts writes the same layouts).
enum { OP_GEMM = 0, OP_CHANNEL_SUMS = 1, OP_AFFINE = 2, OP_AFFINE2 = 3, OP_RELU_GRAD = 4, OP_SGD = 5, OP_MAXPOOL_GRAD = 6, OP_ADD_RELU = 7 };

// GEMM job: int32 fields at a caller-supplied address.
typedef struct {
  int32_t op;
  int32_t M, N, K, beta;
  int32_t aKind, aPtr, lda;
  int32_t bKind, bPtr, ldb, bTapK;
  int32_t cKind, cPtr, ldc;
  // Convolution geometry of the im2col views: the source tensor [gN, gH, gW, gC], the grid of
  // pixels the GEMM indexes [gN, gOH, gOW], taps gKH × gKW; pixel (oh, ow) at tap (i, j) reads
  // source (oh·gSH + gOffH + i·gStepH, ow·gSW + gOffW + j·gStepW), zero outside.
  int32_t gN, gH, gW, gC, gOH, gOW, gKH, gKW, gSH, gSW, gOffH, gOffW, gStepH, gStepW;
  int32_t nThreads, splitN;
  int32_t mc, kc, nc;
  // int32[nThreads·3]: per thread packA, packB, tile (MR·NR floats)
  int32_t scratch;
  // C_SCATTER: GEMM row m = pixel (n, oh, ow) of the [gN, gOH, gOW] grid goes to row
  // (n·cH + oh·cS)·cW + ow·cS of C.
  int32_t cH, cW, cS;
  // next chunk to take (threads take chunks of the split dimension with an atomic add: a thread
  // that the OS holds up does less, instead of making the others wait); the caller writes 0
  int32_t next;
} Job;

// Per-channel job over x [P, C] (channels innermost, NHWC flattened): see channel.c.
typedef struct {
  int32_t op, nThreads, P, C, mode;
  int32_t x, y, out;      // tensors (byte addresses); out unused by CHANNEL_SUMS
  int32_t a, b, c;        // per-channel [C] vectors
  int32_t scratch;        // int32[nThreads·3] per-thread buffers, as the GEMM job's
  int32_t mask;           // optional [P, C]: where it is ≤ 0, x counts as 0 (a fused ReLU's gradient)
} ChanJob;

// Max-pool gradient job (pool.c): x [N, H, W, C], dy [N, OH, OW, C] → dx [N, H, W, C].
typedef struct {
  int32_t op, N, H, W, C, OH, OW, KH, KW, SH, SW, padT, padL;
  int32_t x, dy, dx;
} PoolJob;

static inline int32_t min32(int32_t a, int32_t b) { return a < b ? a : b; }

void gemm_run(const Job* j, int32_t tid);
void channel_run(const ChanJob* j, int32_t tid);
void maxpool_grad_run(const PoolJob* j);

#endif
