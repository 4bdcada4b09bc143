// Max-pool gradient, NHWC: each output's gradient goes to the first maximum of its window (strict
// >, as tfjs's cpu kernel). Why: tfjs-backend-wasm's MaxPoolGrad is a scalar loop (22 ms for
// ResNet's stem pool at a 193² crop, ~150 ms at 513²); here channels go four at a time, one pass.
// One thread: overlapping windows would make threads add into the same dx rows.
#include "kernels.h"

void maxpool_grad_run(const PoolJob* j) {
  const int32_t C = j->C, C4 = C & ~3;
  const float* x = (const float*)(uintptr_t)j->x;
  const float* dy = (const float*)(uintptr_t)j->dy;
  float* dx = (float*)(uintptr_t)j->dx;
  const int64_t total = (int64_t)j->N * j->H * j->W * C;
  for (int64_t i = 0; i < total; i++) dx[i] = 0.f;
  for (int32_t n = 0; n < j->N; n++)
    for (int32_t oh = 0; oh < j->OH; oh++)
      for (int32_t ow = 0; ow < j->OW; ow++) {
        const float* g = dy + (((int64_t)n * j->OH + oh) * j->OW + ow) * C;
        const int32_t y0 = oh * j->SH - j->padT, x0 = ow * j->SW - j->padL;
        for (int32_t c = 0; c < C4; c += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff());
          v128_t at = wasm_i32x4_splat(-1);
          for (int32_t ky = 0; ky < j->KH; ky++) {
            const int32_t y = y0 + ky;
            if ((uint32_t)y >= (uint32_t)j->H) continue;
            for (int32_t kx = 0; kx < j->KW; kx++) {
              const int32_t xx = x0 + kx;
              if ((uint32_t)xx >= (uint32_t)j->W) continue;
              const int32_t pix = (n * j->H + y) * j->W + xx;
              const v128_t v = wasm_v128_load(x + (int64_t)pix * C + c);
              const v128_t gt = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, gt);
              at = wasm_v128_bitselect(wasm_i32x4_splat(pix), at, gt);
            }
          }
          for (int32_t l = 0; l < 4; l++) {
            const int32_t pix = l == 0 ? wasm_i32x4_extract_lane(at, 0) : l == 1 ? wasm_i32x4_extract_lane(at, 1)
              : l == 2 ? wasm_i32x4_extract_lane(at, 2) : wasm_i32x4_extract_lane(at, 3);
            if (pix >= 0) dx[(int64_t)pix * C + c + l] += g[c + l];
          }
        }
        for (int32_t c = C4; c < C; c++) {
          float best = -__builtin_inff();
          int32_t at = -1;
          for (int32_t ky = 0; ky < j->KH; ky++) {
            const int32_t y = y0 + ky;
            if ((uint32_t)y >= (uint32_t)j->H) continue;
            for (int32_t kx = 0; kx < j->KW; kx++) {
              const int32_t xx = x0 + kx;
              if ((uint32_t)xx >= (uint32_t)j->W) continue;
              const int32_t pix = (n * j->H + y) * j->W + xx;
              const float v = x[(int64_t)pix * C + c];
              if (v > best) { best = v; at = pix; }
            }
          }
          if (at >= 0) dx[(int64_t)at * C + c] += g[c];
        }
      }
}
