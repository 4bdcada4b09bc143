// Per-channel kernels over an NHWC tensor seen as x [P, C] (P = N·H·W pixels, channels
// innermost): the reductions and affine maps of batch norm. Why: tfjs-backend-wasm reduces over
// N, H, W by transposing the whole tensor first (the channel axis must become outermost), and a
// broadcasting multiply-add is two full-size kernels and two allocations; here each is one pass
// over the pixels, channels vectorised, no transpose.
#include "kernels.h"

// Pixel range of thread `tid`: [first(tid), first(tid + 1)).
static inline int32_t first(const ChanJob* j, int32_t tid) {
  return (int32_t)((int64_t)j->P * tid / j->nThreads);
}

// Rows summed in float32 before they are added into the float64 totals.
#define BLOCK 64

// CHANNEL_SUMS, per thread, into float64 partials in the thread's scratch (its GEMM B-packing
// buffer): s1 at [0, C), s2 at [C, 2C). mode 0: s1 = Σx; mode 1: s1 = Σ(x − a)²; mode 2:
// s1 = Σx and s2 = Σx·y (with `mask`: x taken as 0 where mask ≤ 0); mode 3: s1 = Σx². The caller
// adds the threads' partials.
static void channelSums(const ChanJob* j, int32_t tid) {
  const int32_t C = j->C, mode = j->mode;
  const int32_t* sc = (const int32_t*)(uintptr_t)j->scratch + 3 * tid;
  float* p1 = (float*)(uintptr_t)sc[0];
  float* p2 = p1 + ((C + 3) & ~3);
  double* s1 = (double*)(uintptr_t)sc[1];
  double* s2 = s1 + C;
  const float* xb = (const float*)(uintptr_t)j->x;
  const float* yb = (const float*)(uintptr_t)j->y;
  const float* mean = (const float*)(uintptr_t)j->a;
  for (int32_t c = 0; c < 2 * C; c++) s1[c] = 0.0;
  const int32_t lo = first(j, tid), hi = first(j, tid + 1);
  const int32_t C4 = C & ~3;
  for (int32_t p0 = lo; p0 < hi; p0 += BLOCK) {
    const int32_t p1e = min32(p0 + BLOCK, hi);
    for (int32_t c = 0; c < C; c++) { p1[c] = 0.f; p2[c] = 0.f; }
    for (int32_t p = p0; p < p1e; p++) {
      const float* x = xb + (int64_t)p * C;
      if (mode == 0) {
        for (int32_t c = 0; c < C4; c += 4)
          wasm_v128_store(p1 + c, wasm_f32x4_add(wasm_v128_load(p1 + c), wasm_v128_load(x + c)));
        for (int32_t c = C4; c < C; c++) p1[c] += x[c];
      } else if (mode == 3) {
        for (int32_t c = 0; c < C4; c += 4) {
          const v128_t v = wasm_v128_load(x + c);
          wasm_v128_store(p1 + c, MADD(v, v, wasm_v128_load(p1 + c)));
        }
        for (int32_t c = C4; c < C; c++) p1[c] += x[c] * x[c];
      } else if (mode == 1) {
        for (int32_t c = 0; c < C4; c += 4) {
          const v128_t d = wasm_f32x4_sub(wasm_v128_load(x + c), wasm_v128_load(mean + c));
          wasm_v128_store(p1 + c, MADD(d, d, wasm_v128_load(p1 + c)));
        }
        for (int32_t c = C4; c < C; c++) { const float d = x[c] - mean[c]; p1[c] += d * d; }
      } else if (j->mask) {
        // mode 2 with x masked by mask > 0 (x = dy of a fused BN + ReLU, mask = its output)
        const float* y = yb + (int64_t)p * C;
        const float* mk = (const float*)(uintptr_t)j->mask + (int64_t)p * C;
        for (int32_t c = 0; c < C4; c += 4) {
          const v128_t xv = wasm_v128_and(wasm_v128_load(x + c), wasm_f32x4_gt(wasm_v128_load(mk + c), wasm_f32x4_splat(0.f)));
          wasm_v128_store(p1 + c, wasm_f32x4_add(wasm_v128_load(p1 + c), xv));
          wasm_v128_store(p2 + c, MADD(xv, wasm_v128_load(y + c), wasm_v128_load(p2 + c)));
        }
        for (int32_t c = C4; c < C; c++) { const float xv = mk[c] > 0.f ? x[c] : 0.f; p1[c] += xv; p2[c] += xv * y[c]; }
      } else {
        const float* y = yb + (int64_t)p * C;
        for (int32_t c = 0; c < C4; c += 4) {
          const v128_t xv = wasm_v128_load(x + c);
          wasm_v128_store(p1 + c, wasm_f32x4_add(wasm_v128_load(p1 + c), xv));
          wasm_v128_store(p2 + c, MADD(xv, wasm_v128_load(y + c), wasm_v128_load(p2 + c)));
        }
        for (int32_t c = C4; c < C; c++) { p1[c] += x[c]; p2[c] += x[c] * y[c]; }
      }
    }
    for (int32_t c = 0; c < C; c++) { s1[c] += p1[c]; s2[c] += p2[c]; }
  }
}

// AFFINE: out = x·a + b per channel (mode 1: then max(·, 0), NaN kept); AFFINE2:
// out = x·a + y·b + c per channel (with `mask`: x taken as 0 where mask ≤ 0). Threads take pixel ranges.
static void affine(const ChanJob* j, int32_t tid, int32_t two) {
  const int32_t C = j->C, C4 = C & ~3;
  const float* a = (const float*)(uintptr_t)j->a;
  const float* b = (const float*)(uintptr_t)j->b;
  const float* cc = (const float*)(uintptr_t)j->c;
  const int32_t relu = !two && j->mode == 1;
  const v128_t zero = wasm_f32x4_splat(0.f);
  const int32_t lo = first(j, tid), hi = first(j, tid + 1);
  for (int32_t p = lo; p < hi; p++) {
    const float* x = (const float*)(uintptr_t)j->x + (int64_t)p * C;
    const float* y = (const float*)(uintptr_t)j->y + (int64_t)p * C;
    float* o = (float*)(uintptr_t)j->out + (int64_t)p * C;
    if (two && j->mask) {
      const float* mk = (const float*)(uintptr_t)j->mask + (int64_t)p * C;
      for (int32_t c = 0; c < C4; c += 4) {
        const v128_t xv = wasm_v128_and(wasm_v128_load(x + c), wasm_f32x4_gt(wasm_v128_load(mk + c), zero));
        const v128_t v = MADD(xv, wasm_v128_load(a + c), wasm_v128_load(cc + c));
        wasm_v128_store(o + c, MADD(wasm_v128_load(y + c), wasm_v128_load(b + c), v));
      }
      for (int32_t c = C4; c < C; c++) o[c] = (mk[c] > 0.f ? x[c] : 0.f) * a[c] + y[c] * b[c] + cc[c];
    } else if (two) {
      for (int32_t c = 0; c < C4; c += 4) {
        const v128_t v = MADD(wasm_v128_load(x + c), wasm_v128_load(a + c), wasm_v128_load(cc + c));
        wasm_v128_store(o + c, MADD(wasm_v128_load(y + c), wasm_v128_load(b + c), v));
      }
      for (int32_t c = C4; c < C; c++) o[c] = x[c] * a[c] + y[c] * b[c] + cc[c];
    } else {
      for (int32_t c = 0; c < C4; c += 4) {
        v128_t v = MADD(wasm_v128_load(x + c), wasm_v128_load(a + c), wasm_v128_load(b + c));
        if (relu) v = wasm_f32x4_pmax(v, zero);
        wasm_v128_store(o + c, v);
      }
      for (int32_t c = C4; c < C; c++) {
        const float v = x[c] * a[c] + b[c];
        o[c] = relu && v < 0.f ? 0.f : v;
      }
    }
  }
}

// RELU_GRAD: out = y where x > 0, else 0 (ReLU's gradient, y = the incoming gradient), over P
// elements taken flat (C unused); threads take element ranges.
static void reluGrad(const ChanJob* j, int32_t tid) {
  const float* x = (const float*)(uintptr_t)j->x;
  const float* dy = (const float*)(uintptr_t)j->y;
  float* o = (float*)(uintptr_t)j->out;
  const int32_t lo = first(j, tid), hi = first(j, tid + 1);
  const v128_t zero = wasm_f32x4_splat(0.f);
  int32_t i = lo;
  for (; i + 4 <= hi; i += 4)
    wasm_v128_store(o + i, wasm_v128_and(wasm_v128_load(dy + i), wasm_f32x4_gt(wasm_v128_load(x + i), zero)));
  for (; i < hi; i++) o[i] = x[i] > 0.f ? dy[i] : 0.f;
}

// SGD with momentum and weight decay (PyTorch's torch.optim.SGD, dampening 0), one pass over P
// parameters taken flat: d = g + wd·p; v = d (no previous buffer, a = 0) or μ·v + d; p' = p − lr·v.
// x = p, y = g, a = previous v or 0, out = p', b = v', c = address of float[3] {lr, μ, wd}.
static void sgd(const ChanJob* j, int32_t tid) {
  const float* p = (const float*)(uintptr_t)j->x;
  const float* g = (const float*)(uintptr_t)j->y;
  const float* v0 = (const float*)(uintptr_t)j->a;
  float* po = (float*)(uintptr_t)j->out;
  float* vo = (float*)(uintptr_t)j->b;
  const float* hp = (const float*)(uintptr_t)j->c;
  const float lr = hp[0], mu = hp[1], wd = hp[2];
  const v128_t vlr = wasm_f32x4_splat(-lr), vmu = wasm_f32x4_splat(mu), vwd = wasm_f32x4_splat(wd);
  const int32_t lo = first(j, tid), hi = first(j, tid + 1);
  int32_t i = lo;
  for (; i + 4 <= hi; i += 4) {
    const v128_t pv = wasm_v128_load(p + i);
    v128_t v = MADD(pv, vwd, wasm_v128_load(g + i));
    if (v0) v = MADD(wasm_v128_load(v0 + i), vmu, v);
    wasm_v128_store(vo + i, v);
    wasm_v128_store(po + i, MADD(v, vlr, pv));
  }
  for (; i < hi; i++) {
    float v = g[i] + wd * p[i];
    if (v0) v = mu * v0[i] + v;
    vo[i] = v;
    po[i] = p[i] - lr * v;
  }
}

// ADD_RELU: out = max(x + y, 0) over P elements taken flat (a residual block's sum and ReLU).
static void addRelu(const ChanJob* j, int32_t tid) {
  const float* x = (const float*)(uintptr_t)j->x;
  const float* y = (const float*)(uintptr_t)j->y;
  float* o = (float*)(uintptr_t)j->out;
  const int32_t lo = first(j, tid), hi = first(j, tid + 1);
  const v128_t zero = wasm_f32x4_splat(0.f);
  int32_t i = lo;
  for (; i + 4 <= hi; i += 4)
    wasm_v128_store(o + i, wasm_f32x4_pmax(wasm_f32x4_add(wasm_v128_load(x + i), wasm_v128_load(y + i)), zero));
  for (; i < hi; i++) { const float v = x[i] + y[i]; o[i] = v < 0.f ? 0.f : v; }
}

void channel_run(const ChanJob* j, int32_t tid) {
  if (j->op == OP_ADD_RELU) { addRelu(j, tid); return; }
  if (j->op == OP_CHANNEL_SUMS) channelSums(j, tid);
  else if (j->op == OP_RELU_GRAD) reluGrad(j, tid);
  else if (j->op == OP_SGD) sgd(j, tid);
  else affine(j, tid, j->op == OP_AFFINE2);
}
