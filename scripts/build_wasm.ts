// Rebuilds plca's own wasm kernels (csrc/kernels/*.c → wasm/*.wasm) with Debian's clang-19 and
// wasm-ld (lld-19). The built files are committed, so a fresh clone needs no compiler; run this
// (`npm run build:wasm`) after changing the C sources. `--check` rebuilds into a temporary
// directory and fails if the result differs from the committed files.
//
// Four variants: relaxed-SIMD fused multiply-add or plain SIMD128, each importing a shared memory
// (tfjs-backend-wasm's threaded build, max 4 GB) or an unshared one (its single-threaded build).
// Every module is checked to have no data segments and to never touch a linear-memory stack
// (`__stack_pointer`): it works inside emscripten's heap and must write nothing it was not given.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['csrc/kernels/gemm.c', 'csrc/kernels/channel.c', 'csrc/kernels/pool.c', 'csrc/kernels/run.c'];
const CLANG = process.env.PLCA_CLANG ?? 'clang-19';

export const VARIANTS = [
  { name: 'relaxed', relaxed: true, shared: false },
  { name: 'relaxed_shared', relaxed: true, shared: true },
  { name: 'simd128', relaxed: false, shared: false },
  { name: 'simd128_shared', relaxed: false, shared: true },
] as const;

function flags(v: (typeof VARIANTS)[number]): string[] {
  return [
    '--target=wasm32', '-O3', '-msimd128', '-mbulk-memory', '-nostdlib', '-ffreestanding',
    ...(v.relaxed ? ['-mrelaxed-simd', '-DRELAXED'] : []),
    ...(v.shared ? ['-matomics'] : []),
    '-fuse-ld=lld', '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--strip-all',
    ...(v.shared ? ['-Wl,--shared-memory', '-Wl,--max-memory=4294967296'] : []),
  ];
}

/** The module as text (wabt). */
export async function moduleText(file: string): Promise<string> {
  const wabt = await wabtInit();
  const mod = wabt.readWasm(readFileSync(file), { simd: true, relaxed_simd: true, threads: true, bulk_memory: true });
  try {
    return mod.toText({});
  } finally {
    mod.destroy();
  }
}

/** Fails unless the module has no data segments and never reads or writes __stack_pointer. */
export async function checkModule(file: string): Promise<void> {
  const wat = await moduleText(file);
  if (/\(data\b/.test(wat)) throw new Error(`${file}: has data segments; the kernels must not write static data into the tfjs heap`);
  // --strip-all drops names: the stack pointer is global 0, the only global wasm-ld defines.
  if (/global\.(get|set) 0\b/.test(wat)) throw new Error(`${file}: uses the linear-memory stack (global 0); keep kernels in wasm locals`);
}

export function clangVersion(): string {
  return execFileSync(CLANG, ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
}

export async function build(outDir: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const v of VARIANTS) {
    const out = join(outDir, `plca_kernels_${v.name}.wasm`);
    execFileSync(CLANG, [...flags(v), '-o', out, ...SOURCES.map((s) => join(ROOT, s))], { stdio: 'inherit' });
    await checkModule(out);
    hashes[`plca_kernels_${v.name}.wasm`] = createHash('sha256').update(readFileSync(out)).digest('hex');
  }
  return hashes;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const wasmDir = join(ROOT, 'wasm');
  if (!check) {
    const hashes = await build(wasmDir);
    writeFileSync(join(wasmDir, 'BUILD.json'), `${JSON.stringify({ compiler: clangVersion(), sources: SOURCES, sha256: hashes }, null, 2)}\n`);
    console.log(`built ${Object.keys(hashes).length} modules into wasm/ with ${clangVersion()}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'plca-wasm-'));
  try {
    const hashes = await build(dir);
    const manifest = JSON.parse(readFileSync(join(wasmDir, 'BUILD.json'), 'utf8')) as { compiler: string; sha256: Record<string, string> };
    const differ = Object.entries(hashes).filter(([f, h]) => manifest.sha256[f] !== h
      || createHash('sha256').update(readFileSync(join(wasmDir, f))).digest('hex') !== h).map(([f]) => f);
    console.log(JSON.stringify({ compiler: clangVersion(), committedCompiler: manifest.compiler, differ }));
    if (differ.length) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
}
