// The browser entry (src/browser.ts) must bundle for a browser: no node: built-in, no Node-only
// package, no Node global, anywhere in what it imports. esbuild resolves the same import graph
// that Vite bundles for the web app, in well under a second.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('browser entry', () => {
  it('bundles for the browser platform without Node built-ins or globals', async () => {
    // The web app bundles the MiniCity arms' config files too.
    const r = await build({
      entryPoints: ['src/browser.ts', 'configs/minicity_plca.ts', 'configs/minicity_source_only.ts'], bundle: true, write: false,
      outdir: 'out', platform: 'browser', format: 'esm', logLevel: 'silent', metafile: true, external: ['@tensorflow/*', 'zod'],
    });
    const code = r.outputFiles.map((f) => f.text).join('\n');
    expect(code.match(/\b(?:process\.(?:env|pid|argv|versions|exit)|Buffer\.|__dirname|require\()[^\n]{0,40}/g) ?? []).toEqual([]);
    const files = Object.keys(r.metafile.inputs);
    // The library's training, evaluation and export modules are all in.
    for (const f of ['src/train/trainer.ts', 'src/demo/memory_arm.ts', 'src/export/graph_model.ts', 'src/engine/browser_platform.ts']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /node_platform|wasm_threads|file_store|checkpoint\.ts|export_model|node_io/.test(f))).toEqual([]);
  });

  it('fails on a node: import (the check can fail)', async () => {
    await expect(build({
      stdin: { contents: "import { readFileSync } from 'node:fs'; console.log(readFileSync);", resolveDir: '.', loader: 'ts' },
      bundle: true, write: false, platform: 'browser', logLevel: 'silent',
    })).rejects.toThrow(/node:fs/);
  });
});
