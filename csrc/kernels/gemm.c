// plca's wasm GEMM and convolution kernels (see src/engine/README.md, "Own kernels").
//
// One blocked, packed single-precision GEMM, C (+)= A·B with A [M, K] and B [K, N], whose operands
// are *views*: a dense matrix (either orientation), the implicit im2col matrix of an NHWC
// convolution (forward, input gradient) or its transpose (filter gradient), a per-tap transposed
// filter. Packing turns every view into the same contiguous panels, so one register-blocked
// micro-kernel (MR × NR, broadcast A, two vectors of B) does all the arithmetic; no im2col
// buffer is ever materialised.
//
// The module imports the memory of tfjs-backend-wasm and works in place on tensor buffers. It
// has no data segments and uses no linear-memory stack (everything fits in wasm locals), so
// nothing it does touches emscripten's layout: all scratch memory is handed in by the caller
// (malloc'ed from the tfjs heap). Built twice: with relaxed-SIMD fused multiply-add (RELAXED)
// and with plain SIMD128 multiply + add.
#include "kernels.h"



// ---------------------------------------------------------------------------------------------
// Micro-kernel: C[MR×NR] (+)= Apanel[kb][MR] · Bpanel[kb][NR]; C rows `ldc` floats apart.
// Four rows keep 8 accumulators + 2 B vectors + 1 broadcast in registers: V8 on x64 allocates
// xmm0–14 (xmm15 is its scratch), and larger tiles (6×8) spilled accumulators (measured).
static inline void ukernel(int32_t kb, const float* restrict a, const float* restrict b, float* restrict c,
                           int32_t ldc, int32_t accumulate) {
  v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int32_t k = 0; k < kb; k++) {
    const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    v128_t av = wasm_v128_load32_splat(a + 0);
    c00 = MADD(av, b0, c00); c01 = MADD(av, b1, c01);
    av = wasm_v128_load32_splat(a + 1);
    c10 = MADD(av, b0, c10); c11 = MADD(av, b1, c11);
    av = wasm_v128_load32_splat(a + 2);
    c20 = MADD(av, b0, c20); c21 = MADD(av, b1, c21);
    av = wasm_v128_load32_splat(a + 3);
    c30 = MADD(av, b0, c30); c31 = MADD(av, b1, c31);
    a += MR; b += NR;
  }
  if (accumulate) {
    c00 = wasm_f32x4_add(c00, wasm_v128_load(c)); c01 = wasm_f32x4_add(c01, wasm_v128_load(c + 4));
    c10 = wasm_f32x4_add(c10, wasm_v128_load(c + ldc)); c11 = wasm_f32x4_add(c11, wasm_v128_load(c + ldc + 4));
    c20 = wasm_f32x4_add(c20, wasm_v128_load(c + 2 * ldc)); c21 = wasm_f32x4_add(c21, wasm_v128_load(c + 2 * ldc + 4));
    c30 = wasm_f32x4_add(c30, wasm_v128_load(c + 3 * ldc)); c31 = wasm_f32x4_add(c31, wasm_v128_load(c + 3 * ldc + 4));
  }
  wasm_v128_store(c, c00); wasm_v128_store(c + 4, c01);
  wasm_v128_store(c + ldc, c10); wasm_v128_store(c + ldc + 4, c11);
  wasm_v128_store(c + 2 * ldc, c20); wasm_v128_store(c + 2 * ldc + 4, c21);
  wasm_v128_store(c + 3 * ldc, c30); wasm_v128_store(c + 3 * ldc + 4, c31);
}

// ---------------------------------------------------------------------------------------------
// im2col addressing

// Pointer to channel 0 of the source pixel that grid pixel `p` reads at tap `t`, or 0 (the
// tfjs heap never places a tensor at address 0) when it lies in the zero padding.
static inline const float* im2colSrc(const Job* j, int32_t p, int32_t t) {
  const int32_t hw = j->gOH * j->gOW;
  const int32_t n = p / hw, r = p - n * hw;
  const int32_t oh = r / j->gOW, ow = r - oh * j->gOW;
  const int32_t ti = t / j->gKW, tj = t - ti * j->gKW;
  const int32_t y = oh * j->gSH + j->gOffH + ti * j->gStepH;
  const int32_t x = ow * j->gSW + j->gOffW + tj * j->gStepW;
  if ((uint32_t)y >= (uint32_t)j->gH || (uint32_t)x >= (uint32_t)j->gW) return 0;
  return (const float*)(uintptr_t)j->aPtr + ((int64_t)(n * j->gH + y) * j->gW + x) * j->gC;
}

// ---------------------------------------------------------------------------------------------
// Packing A: rows m0..m0+mb, columns k0..k0+kb → strips of MR rows, [strip][kb][MR].

// Copies `len` columns of MR row pointers (0 = a zero row) into a strip at column offset `kk`.
static void packRows4(float* restrict dst, int32_t kk, const float* r0, const float* r1, const float* r2,
                      const float* r3, int32_t len) {
  float* d = dst + kk * MR;
  if (r0 && r1 && r2 && r3) {
    int32_t k = 0;
    for (; k + 4 <= len; k += 4) {
      // 4×4 transpose: rows r0..r3, columns k..k+3 → packed columns k..k+3, each [r0 r1 r2 r3]
      const v128_t x0 = wasm_v128_load(r0 + k), x1 = wasm_v128_load(r1 + k);
      const v128_t x2 = wasm_v128_load(r2 + k), x3 = wasm_v128_load(r3 + k);
      const v128_t t0 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7);
      const v128_t t2 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);
      wasm_v128_store(d, wasm_i64x2_shuffle(t0, t2, 0, 2));
      wasm_v128_store(d + 4, wasm_i64x2_shuffle(t0, t2, 1, 3));
      wasm_v128_store(d + 8, wasm_i64x2_shuffle(t1, t3, 0, 2));
      wasm_v128_store(d + 12, wasm_i64x2_shuffle(t1, t3, 1, 3));
      d += 16;
    }
    for (; k < len; k++) { d[0] = r0[k]; d[1] = r1[k]; d[2] = r2[k]; d[3] = r3[k]; d += 4; }
    return;
  }
  for (int32_t k = 0; k < len; k++) {
    d[0] = r0 ? r0[k] : 0.f; d[1] = r1 ? r1[k] : 0.f; d[2] = r2 ? r2[k] : 0.f; d[3] = r3 ? r3[k] : 0.f;
    d += 4;
  }
}

// The transposed im2col view at tap t: for grid pixels k0..k0+kb, channels c..c+3 (vec) or
// channel c alone, into d[(k − k0)·MR]. Walks the pixels with counters: no division per pixel
// (the filter gradient's A packing visits every pixel once per (tap, 4 channels)).
static void packPixelsT(const Job* j, float* restrict d, int32_t k0, int32_t kb, int32_t t, int32_t c, int32_t vec) {
  const int32_t hw = j->gOH * j->gOW;
  int32_t n = k0 / hw, r = k0 - n * hw;
  int32_t oh = r / j->gOW, ow = r - oh * j->gOW;
  const int32_t ti = t / j->gKW, tj = t - ti * j->gKW;
  const int32_t dy = j->gOffH + ti * j->gStepH, dx = j->gOffW + tj * j->gStepW;
  const float* base = (const float*)(uintptr_t)j->aPtr + c;
  for (int32_t k = 0; k < kb; k++, d += MR) {
    const int32_t y = oh * j->gSH + dy, x = ow * j->gSW + dx;
    const int32_t ok = (uint32_t)y < (uint32_t)j->gH && (uint32_t)x < (uint32_t)j->gW;
    const float* p = base + ((int64_t)(n * j->gH + y) * j->gW + x) * j->gC;
    if (vec) wasm_v128_store(d, ok ? wasm_v128_load(p) : wasm_f32x4_splat(0.f));
    else d[0] = ok ? p[0] : 0.f;
    if (++ow == j->gOW) { ow = 0; if (++oh == j->gOH) { oh = 0; n++; } }
  }
}

static void packA(const Job* j, float* restrict dst, int32_t m0, int32_t mb, int32_t k0, int32_t kb) {
  const float* a = (const float*)(uintptr_t)j->aPtr;
  for (int32_t s = 0; s < mb; s += MR, dst += MR * kb) {
    const int32_t rows = min32(MR, mb - s);
    const int32_t m = m0 + s;
    switch (j->aKind) {
      case A_DENSE: {
        const float* r[MR];
        for (int32_t i = 0; i < MR; i++) r[i] = i < rows ? a + (int64_t)(m + i) * j->lda + k0 : 0;
        packRows4(dst, 0, r[0], r[1], r[2], r[3], kb);
        break;
      }
      case A_DENSE_T: {
        const float* src = a + (int64_t)k0 * j->lda + m;
        float* d = dst;
        if (rows == MR) {
          for (int32_t k = 0; k < kb; k++, src += j->lda, d += MR) wasm_v128_store(d, wasm_v128_load(src));
        } else {
          for (int32_t k = 0; k < kb; k++, src += j->lda, d += MR)
            for (int32_t i = 0; i < MR; i++) d[i] = i < rows ? src[i] : 0.f;
        }
        break;
      }
      case A_IM2COL: {
        // Columns are (tap, channel); one segment per tap the block crosses.
        int32_t k = k0;
        while (k < k0 + kb) {
          const int32_t t = k / j->gC, c = k - t * j->gC;
          const int32_t len = min32(j->gC - c, k0 + kb - k);
          const float* r[MR];
          for (int32_t i = 0; i < MR; i++) {
            const float* p = i < rows ? im2colSrc(j, m + i, t) : 0;
            r[i] = p ? p + c : 0;
          }
          packRows4(dst, k - k0, r[0], r[1], r[2], r[3], len);
          k += len;
        }
        break;
      }
      case A_IM2COL_T: {
        // Rows are (tap, channel), columns are grid pixels.
        const int32_t t = m / j->gC, c = m - t * j->gC;
        if (rows == MR && c + MR <= j->gC) {
          packPixelsT(j, dst, k0, kb, t, c, 1);
        } else {
          for (int32_t i = 0; i < MR; i++) {
            const int32_t mi = m + i, ti = mi / j->gC;
            if (i < rows) packPixelsT(j, dst + i, k0, kb, ti, mi - ti * j->gC, 0);
            else for (int32_t k = 0; k < kb; k++) dst[k * MR + i] = 0.f;
          }
        }
        break;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Packing B: rows k0..k0+kb, columns n0..n0+nb → panels of NR columns, [panel][kb][NR].

// Transposed source: B[k, n] = src[n·ld + k] for the panel's `cols` columns, `len` rows.
static void packPanelT(float* restrict d, const float* src, int32_t ld, int32_t cols, int32_t len) {
  if (cols == NR) {
    int32_t k = 0;
    for (; k + 4 <= len; k += 4) {
      for (int32_t h = 0; h < 2; h++) {
        const float* s = src + (int64_t)(4 * h) * ld + k;
        const v128_t x0 = wasm_v128_load(s), x1 = wasm_v128_load(s + ld);
        const v128_t x2 = wasm_v128_load(s + 2 * ld), x3 = wasm_v128_load(s + 3 * ld);
        const v128_t t0 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7);
        const v128_t t2 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);
        float* o = d + k * NR + 4 * h;
        wasm_v128_store(o, wasm_i64x2_shuffle(t0, t2, 0, 2));
        wasm_v128_store(o + NR, wasm_i64x2_shuffle(t0, t2, 1, 3));
        wasm_v128_store(o + 2 * NR, wasm_i64x2_shuffle(t1, t3, 0, 2));
        wasm_v128_store(o + 3 * NR, wasm_i64x2_shuffle(t1, t3, 1, 3));
      }
    }
    for (; k < len; k++)
      for (int32_t i = 0; i < NR; i++) d[k * NR + i] = src[(int64_t)i * ld + k];
    return;
  }
  for (int32_t k = 0; k < len; k++)
    for (int32_t i = 0; i < NR; i++) d[k * NR + i] = i < cols ? src[(int64_t)i * ld + k] : 0.f;
}

static void packB(const Job* j, float* restrict dst, int32_t k0, int32_t kb, int32_t n0, int32_t nb) {
  const float* b = (const float*)(uintptr_t)j->bPtr;
  for (int32_t s = 0; s < nb; s += NR, dst += NR * kb) {
    const int32_t cols = min32(NR, nb - s);
    const int32_t n = n0 + s;
    switch (j->bKind) {
      case B_DENSE: {
        const float* src = b + (int64_t)k0 * j->ldb + n;
        float* d = dst;
        if (cols == NR) {
          for (int32_t k = 0; k < kb; k++, src += j->ldb, d += NR) {
            wasm_v128_store(d, wasm_v128_load(src));
            wasm_v128_store(d + 4, wasm_v128_load(src + 4));
          }
        } else {
          for (int32_t k = 0; k < kb; k++, src += j->ldb, d += NR)
            for (int32_t i = 0; i < NR; i++) d[i] = i < cols ? src[i] : 0.f;
        }
        break;
      }
      case B_DENSE_T:
        packPanelT(dst, b + (int64_t)n * j->ldb + k0, j->ldb, cols, kb);
        break;
      case B_TAP_T: {
        // Rows are (tap, kk) with bTapK rows per tap; tap t is a [N, bTapK] matrix.
        int32_t k = k0;
        while (k < k0 + kb) {
          const int32_t t = k / j->bTapK, kk = k - t * j->bTapK;
          const int32_t len = min32(j->bTapK - kk, k0 + kb - k);
          const float* src = b + (int64_t)t * j->N * j->bTapK + (int64_t)n * j->bTapK + kk;
          packPanelT(dst + (k - k0) * NR, src, j->bTapK, cols, len);
          k += len;
        }
        break;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Output

static inline float* cRow(const Job* j, int32_t m) {
  float* c = (float*)(uintptr_t)j->cPtr;
  if (j->cKind == C_DENSE) return c + (int64_t)m * j->ldc;
  const int32_t hw = j->gOH * j->gOW;
  const int32_t n = m / hw, r = m - n * hw;
  const int32_t oh = r / j->gOW, ow = r - oh * j->gOW;
  return c + ((int64_t)(n * j->cH + oh * j->cS) * j->cW + ow * j->cS) * j->ldc;
}

// One MR × NR tile at (m, n) with `rows` × `cols` valid; full dense tiles are written in place.
static void tile(const Job* j, int32_t kb, const float* pa, const float* pb, float* scratch, int32_t m, int32_t n,
                 int32_t rows, int32_t cols, int32_t accumulate) {
  if (rows == MR && cols == NR && j->cKind == C_DENSE) {
    ukernel(kb, pa, pb, cRow(j, m) + n, j->ldc, accumulate);
    return;
  }
  ukernel(kb, pa, pb, scratch, NR, 0);
  for (int32_t i = 0; i < rows; i++) {
    float* c = cRow(j, m + i) + n;
    const float* s = scratch + i * NR;
    if (cols == NR) {
      // scattered rows of full width (a strided 1×1 input gradient): two vectors per row
      v128_t s0 = wasm_v128_load(s), s1 = wasm_v128_load(s + 4);
      if (accumulate) { s0 = wasm_f32x4_add(s0, wasm_v128_load(c)); s1 = wasm_f32x4_add(s1, wasm_v128_load(c + 4)); }
      wasm_v128_store(c, s0); wasm_v128_store(c + 4, s1);
    } else if (accumulate) {
      for (int32_t q = 0; q < cols; q++) c[q] += s[q];
    } else {
      for (int32_t q = 0; q < cols; q++) c[q] = s[q];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Driver: blocked nc × kc × mc (Goto/BLIS loop order); threads share the work by chunks.

// C over rows m0..m1 and columns n0..n1, with thread `tid`'s packing buffers.
static void gemmRange(const Job* j, int32_t tid, int32_t m0, int32_t m1, int32_t n0, int32_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  const int32_t* sc = (const int32_t*)(uintptr_t)j->scratch + 3 * tid;
  float* pA = (float*)(uintptr_t)sc[0];
  float* pB = (float*)(uintptr_t)sc[1];
  float* tileBuf = (float*)(uintptr_t)sc[2];
  if (j->K == 0) {
    // C = 0 (or unchanged when accumulating)
    if (!j->beta)
      for (int32_t m = m0; m < m1; m++) { float* c = cRow(j, m); for (int32_t n = n0; n < n1; n++) c[n] = 0.f; }
    return;
  }
  for (int32_t jc = n0; jc < n1; jc += j->nc) {
    const int32_t nb = min32(j->nc, n1 - jc);
    for (int32_t pc = 0; pc < j->K; pc += j->kc) {
      const int32_t kb = min32(j->kc, j->K - pc);
      const int32_t acc = j->beta || pc > 0;
      packB(j, pB, pc, kb, jc, nb);
      for (int32_t ic = m0; ic < m1; ic += j->mc) {
        const int32_t mb = min32(j->mc, m1 - ic);
        packA(j, pA, ic, mb, pc, kb);
        for (int32_t jr = 0; jr < nb; jr += NR) {
          const float* pb = pB + jr * kb;
          const int32_t cols = min32(NR, nb - jr);
          for (int32_t ir = 0; ir < mb; ir += MR)
            tile(j, kb, pA + ir * kb, pb, tileBuf, ic + ir, jc + jr, min32(MR, mb - ir), cols, acc);
        }
      }
    }
  }
}

// Thread `tid` of `nThreads`: takes chunks of whichever dimension the caller split (MR-row strips
// or NR-column panels), four chunks per thread, until none is left. Each chunk packs its own copy
// of the other operand: under 1% more packing for R101's shapes.
void gemm_run(const Job* j, int32_t tid) {
  if (j->nThreads <= 1) {
    gemmRange(j, tid, 0, j->M, 0, j->N);
    return;
  }
  const int32_t unit = j->splitN ? NR : MR;
  const int32_t total = j->splitN ? j->N : j->M;
  const int32_t units = (total + unit - 1) / unit;
  const int32_t chunks = min32(units, 4 * j->nThreads);
  for (;;) {
    const int32_t c = __atomic_fetch_add((int32_t*)&j->next, 1, __ATOMIC_RELAXED);
    if (c >= chunks) break;
    const int32_t lo = (int32_t)((int64_t)units * c / chunks) * unit;
    const int32_t hi = min32(total, (int32_t)((int64_t)units * (c + 1) / chunks) * unit);
    if (j->splitN) gemmRange(j, tid, 0, j->M, lo, hi);
    else gemmRange(j, tid, lo, hi, 0, j->N);
  }
}

// The micro-kernel alone on L1-resident panels, `reps` times (accumulating into c, MR × NR floats):
// the arithmetic ceiling of this kernel design on one thread, for benchmarks.
__attribute__((export_name("plca_ukernel_loop")))
void plca_ukernel_loop(const float* a, const float* b, float* c, int32_t kb, int32_t reps) {
  for (int32_t r = 0; r < reps; r++) ukernel(kb, a, b, c, NR, 1);
}
