// The committed wasm kernel modules (wasm/, built from csrc/kernels by `npm run build:wasm`): each
// loads, exports what src/engine/kernels expects, imports only the tfjs heap's memory (shared in
// the _shared variants), has no data segments and no linear-memory stack; and they are exactly
// what the sources build to, where the same compiler is installed (skipped, saying why, elsewhere).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, checkModule, clangVersion, moduleText, VARIANTS } from '../../scripts/build_wasm.js';
import { relaxedSimdSupported, wasmDir } from '../../src/engine/kernels/loader.js';

const manifest = JSON.parse(readFileSync(join(wasmDir(), 'BUILD.json'), 'utf8')) as { compiler: string; sha256: Record<string, string> };

function installedClang(): string | undefined {
  try {
    execFileSync(process.env.PLCA_CLANG ?? 'clang-19', ['--version'], { stdio: 'ignore' });
    return clangVersion();
  } catch {
    return undefined;
  }
}

describe('committed wasm kernels', () => {
  it.each(VARIANTS.map((v) => v.name))('plca_kernels_%s.wasm: exports, imports, no data, no stack', async (name) => {
    const file = join(wasmDir(), `plca_kernels_${name}.wasm`);
    await relaxedSimdSupported(); // enables relaxed SIMD on Node 20 before compiling
    if (name.startsWith('relaxed') && !(await relaxedSimdSupported())) return;
    const mod = new WebAssembly.Module(readFileSync(file));
    expect(WebAssembly.Module.exports(mod).map((e) => e.name).sort()).toEqual(['plca_job_fields', 'plca_run', 'plca_ukernel_loop']);
    expect(WebAssembly.Module.imports(mod)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    const wat = await moduleText(file);
    expect(/\(import "env" "memory" \(memory[^\n]*/.exec(wat)?.[0].includes(' shared')).toBe(name.endsWith('_shared'));
    await checkModule(file);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(manifest.sha256[`plca_kernels_${name}.wasm`]);
  });

  const clang = installedClang();
  const same = clang === manifest.compiler;
  it.skipIf(!same)(`rebuild from csrc/ matches the committed files (needs ${manifest.compiler}; found ${clang ?? 'no clang-19'})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plca-wasm-test-'));
    try {
      expect(await build(dir)).toEqual(manifest.sha256);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
