// The model-step benchmark's wiring (scripts/bench_model.ts through `npm run bench -- --model`), at a
// tiny size: the figures themselves come from benchmark runs, not from tests.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/fixtures.js';

function bench(args: string[]): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'bench.ts'), ...args],
    { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, PLCA_THREADS: '1' } });
  const lines = out.trim().split('\n');
  expect(lines).toHaveLength(1); // --json prints one object and nothing else
  return JSON.parse(lines[0]) as Record<string, unknown>;
}

describe('npm run bench -- --model', () => {
  it('times the PLCA step of a registered network and prints one JSON object', () => {
    const r = bench(['--model', 'resnet_tiny_aspp', '--crop', '65', '--objective', 'plca', '--steps', '2', '--warmup', '0', '--skip-peak', '--json', '--backend', 'wasm']);
    expect(r).toMatchObject({ model: 'resnet_tiny_aspp', crop: 65, batch: 1, objective: 'plca', backend: 'wasm', threads: 1, steps: 2, grid: [9, 9], tensorsLeaked: 0 });
    const ms = r.stepMs as { min: number; median: number };
    expect(ms.min).toBeGreaterThan(0);
    expect(ms.median).toBeGreaterThanOrEqual(ms.min);
    expect(r.peakRssMB as number).toBeGreaterThan(50);
    expect(r.gflop as number).toBeGreaterThan(0);
    expect(r.gflopPerS).toBeCloseTo((r.gflop as number) / (ms.min / 1e3), 0);
    const loss = r.loss as { first: number; last: number };
    expect(Number.isFinite(loss.first) && Number.isFinite(loss.last)).toBe(true);
  });

  it('counts a source step on one domain and a PLCA step on two', () => {
    const src = bench(['--model', 'minicity_bn', '--crop', '48', '--batch', '2', '--steps', '1', '--warmup', '0', '--skip-peak', '--json', '--backend', 'wasm']);
    const plca = bench(['--model', 'minicity_bn', '--crop', '48', '--batch', '2', '--objective', 'plca', '--steps', '1', '--warmup', '0', '--skip-peak', '--json', '--backend', 'wasm']);
    expect(src.objective).toBe('source');
    expect(plca.gflop as number).toBeCloseTo(2 * (src.gflop as number), 1);
  });
});
