// Multi-threaded wasm in Node leans on tfjs-backend-wasm 4.22.0 internals (wasm_threads.ts):
// a child process must get 2 threads, compute the right convolution, and exit by itself.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.js';

describe('wasm threads in Node', () => {
  it('a child process runs 2 threads, gets the right results (tfjs and plca kernels) and exits without process.exit', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'bench_engine_exit.ts')],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 90_000, env: { ...process.env, VITEST: '' } });
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      backend: string; threads: number; simd: boolean; kernels: string; sum: number; ownVsStock: number;
    };
    expect(r.backend).toBe('wasm');
    expect(r.threads).toBe(2);
    expect(r.simd).toBe(true);
    // plca's kernels on 2 threads (its own worker pool on tfjs's shared memory) against the stock path
    expect(r.kernels).not.toBe('stock');
    expect(r.ownVsStock).toBeLessThan(1e-4);
    // ones(2,32,32,16) * ones(3,3,16,16), pad 1: per output channel 900·144 + 120·96 + 4·64 taps
    expect(r.sum).toBe(2 * 16 * (900 * 144 + 120 * 96 + 4 * 64));
  });
});
