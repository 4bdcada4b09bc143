// Entry points of plca's wasm kernel module.
#include "kernels.h"

// Runs thread `tid`'s share of the job at `job` (its first field says which operation).
__attribute__((export_name("plca_run")))
void plca_run(const int32_t* job, int32_t tid) {
  if (job[0] == OP_GEMM) gemm_run((const Job*)job, tid);
  else if (job[0] == OP_MAXPOOL_GRAD) { if (tid == 0) maxpool_grad_run((const PoolJob*)job); }
  else channel_run((const ChanJob*)job, tid);
}

// Number of int32 fields of the job layout of `op`, so the JS side can check it writes the same.
__attribute__((export_name("plca_job_fields")))
int32_t plca_job_fields(int32_t op) {
  const uint32_t size = op == OP_GEMM ? sizeof(Job) : op == OP_MAXPOOL_GRAD ? sizeof(PoolJob) : sizeof(ChanJob);
  return (int32_t)(size / sizeof(int32_t));
}
