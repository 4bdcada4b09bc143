// A tiny end-to-end demo and benchmark (few updates, few images): the outputs are complete and
// well formed, and `plca train` with the demo's config and overrides trains the same PLCA net to
// the same score. Not a quality check: the README's numbers come from full `plca demo` and
// `plca bench minicity` runs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePng } from '../../src/data/index.js';
import { memoryIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { runDemo, runMinicityBench, runMinicityShifts, DEMO_CLASS_NAMES } from '../../src/demo/index.js';

const dir = mkdtempSync(join(tmpdir(), 'plca-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runDemo (tiny)', () => {
  it('writes results.json with both runs, per-class IoU by name, finite numbers, and a self-contained report.html', async () => {
    const lines: string[] = [];
    const phases = new Set<string>();
    const before = tf.memory().numTensors;
    const out = await runDemo({
      out: join(dir, 'demo'), seed: 3, steps: 2, batchSize: 2, sizes: { train: 6, val: 3 }, curveEvery: 1, mosaicRows: 2,
      backend: 'wasm', threads: 1, jobs: 1, log: (l) => lines.push(l), onProgress: (p) => phases.add(p.phase),
    });
    expect(tf.memory().numTensors).toBe(before);
    const res = JSON.parse(readFileSync(join(dir, 'demo', 'results.json'), 'utf8'));
    expect(res.benchmark).toBe('minicity');
    expect(res.seed).toBe(3);
    expect(Object.keys(res.runs)).toEqual(['source_only', 'source_only_aug', 'self_training', 'plca']);
    for (const key of Object.keys(res.runs)) {
      const r = res.runs[key];
      expect(Number.isFinite(r.mIoU)).toBe(true);
      expect(r.mIoU).toBeGreaterThanOrEqual(0);
      expect(r.mIoU).toBeLessThanOrEqual(100);
      expect(Object.keys(r.perClass)).toEqual([...DEMO_CLASS_NAMES]);
      for (const v of Object.values(r.perClass) as Array<number | null>) expect(v === null || (Number.isFinite(v) && v >= 0 && v <= 100)).toBe(true);
      expect(typeof r.collapse.collapsed).toBe('boolean');
      // Self-training fine-tunes the source-only net for a third of the updates (round(2/3) = 1).
      expect(r.valCurve.map((p: { step: number }) => p.step)).toEqual(key === 'self_training' ? [1] : [1, 2]);
    }
    // The gains are differences of the scores, not separate figures; the strongest control is the best non-PLCA arm.
    expect(res.gain).toBeCloseTo(res.runs.plca.mIoU - res.runs.source_only.mIoU, 9);
    const controls = ['source_only', 'source_only_aug', 'self_training'].map((k) => res.runs[k].mIoU);
    expect(res.strongestControl.mIoU).toBe(Math.max(...controls));
    expect(res.gainVsStrongest).toBeCloseTo(res.runs.plca.mIoU - Math.max(...controls), 9);
    expect(res.settings.commands.self_training).toContain(`model.pretrained=${join(out.outDir, 'runs', 'source_only_s3')}`);
    expect(res.settings.commands.source_only_aug).toMatch(/--config configs\/minicity_source_only_aug\.ts /);
    expect(res.wallSeconds).toBeGreaterThan(0);
    expect(res.settings).toMatchObject({ seed: 3, steps: 2, k: 0.6, trainImages: 6, valImages: 3, batchSize: 2, model: 'minicity_gn', weighting: 'scaled' });
    expect(res.settings.commands.plca).toMatch(/^plca train --config configs\/minicity_plca\.ts .*--set train\.seed=3 /);
    // PLCA logs the association diagnostics; source-only has none.
    expect(res.runs.plca.collapse.minCoverRatio).toBeGreaterThan(0);
    expect(res.runs.source_only.collapse.minCoverRatio).toBeNull();
    expect(out.results.gain).toBe(res.gain);
    expect(lines.at(-1)).toBe(`results: ${out.outDir}`);
    expect(lines.join('\n')).toMatch(/mIoU/);
    expect([...phases]).toEqual(expect.arrayContaining(['data', 'source_only', 'source_only_aug', 'self_training', 'plca', 'report']));
    expect(lines.join('\n')).toMatch(/PLCA − strongest control \(/);

    const html = readFileSync(out.reportPath, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    for (const c of DEMO_CLASS_NAMES) expect(html).toContain(`<td>${c}</td>`);
    expect(html).toContain(res.runs.plca.mIoU.toFixed(1));
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(3);
    // Self-contained: no script, nothing loaded from elsewhere; its only links go to the web app on this machine.
    expect(html).not.toMatch(/<script|src="http/);
    for (const [, href] of html.matchAll(/href="(http[^"]*)"/g)) expect(href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    // The PLCA net is exported for the web app, and the report says how to serve it.
    expect(out.modelDir).toBe(join(out.outDir, 'model'));
    const meta = JSON.parse(readFileSync(join(out.modelDir, 'model.json'), 'utf8')).userDefinedMetadata.plca;
    expect(meta).toMatchObject({ model: 'minicity_gn', numClasses: 9, inputSize: [64, 128], classNames: [...DEMO_CLASS_NAMES] });
    expect(html).toContain(`npx plca serve --model ${out.modelDir}`);
    const m = html.match(/src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/);
    expect(m).not.toBeNull();
    const png = decodePng(Buffer.from(m![1], 'base64'));
    // 2 rows × 4 columns (image, ground truth, source only, PLCA) of 64×128 tiles at 2×, 3-px gaps.
    expect([png.width, png.height]).toEqual([4 * 256 + 5 * 3, 2 * 128 + 3 * 3]);
  });

  it('trains the arms two at a time in child processes (jobs 2) with the same scores as one after the other', async () => {
    const settings = { seed: 3, steps: 2, batchSize: 2, sizes: { train: 6, val: 3 }, curveEvery: 1, mosaicRows: 2, backend: 'wasm' as const, threads: 1, log: () => {} };
    const serial = JSON.parse(readFileSync(join(dir, 'demo', 'results.json'), 'utf8'));
    const steps: number[] = [];
    const out = await runDemo({ ...settings, out: join(dir, 'demo-jobs'), jobs: 2, onProgress: (p) => { if (p.phase === 'train' && p.step !== undefined) steps.push(p.step); } });
    // One bar over all the runs' updates: 2 + 2 + 1 (self-training) + 2.
    expect(steps.at(-1)).toBe(7);
    expect(Math.max(...steps)).toBe(7);
    expect(out.results.settings.jobs).toBe(2);
    for (const key of ['source_only', 'source_only_aug', 'self_training', 'plca'] as const) {
      expect(out.results.runs[key].mIoU).toBe(serial.runs[key].mIoU);
      expect(out.results.runs[key].perClass).toEqual(serial.runs[key].perClass);
    }
    expect(readFileSync(out.reportPath, 'utf8')).toContain('2 runs side by side');
  }, 120_000);

  it('`plca train` with the command results.json names reproduces the PLCA arm exactly; `plca eval` scores it the same', async () => {
    const serial = JSON.parse(readFileSync(join(dir, 'demo', 'results.json'), 'utf8'));
    const run = join(dir, 'train-plca');
    // The recorded command line, as a user would paste it (values are single-quoted when needed).
    const argv = (serial.settings.commands.plca as string).match(/'[^']*'|\S+/g)!.map((a) => a.replace(/^'(.*)'$/, '$1')).slice(1);
    argv[argv.indexOf('--out') + 1] = run;
    const cli = async (args: string[]) => {
      const io = memoryIo();
      const code = await runCli(args, io);
      expect(code, io.err()).toBe(0);
      return io.out();
    };
    await cli([...argv, '--json']);
    const evaluated = JSON.parse(await cli(['eval', '--checkpoint', run, '--json']));
    expect(evaluated.mIoU).toBe(serial.runs.plca.mIoU);
    const log = readFileSync(join(run, 'train_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const validations = log.filter((e) => e.type === 'validation');
    expect(validations.map((v) => v.step)).toEqual([1, 2]);
    expect(validations.at(-1).metrics.mIoU).toBe(serial.runs.plca.mIoU);
    expect(validations.map((v) => v.metrics.mIoU)).toEqual(serial.runs.plca.valCurve.map((p: { mIoU: number }) => p.mIoU));
  });

  it('rejects a bad seed before doing any work', async () => {
    await expect(runDemo({ out: join(dir, 'bad'), seed: 1.5 })).rejects.toThrow(/seed must be an integer/);
  });
});

describe('runMinicityBench (tiny)', () => {
  it('gives one row per arm with per-seed scores, mean and spread, and the PLCA margin', async () => {
    const lines: string[] = [];
    const r = await runMinicityBench({
      ablation: true, only: ['lovasz', 'bn_lovbn', 'plca'], seeds: [0, 1], steps: 1, batchSize: 2,
      sizes: { train: 4, val: 2 }, out: join(dir, 'bench'), backend: 'wasm', threads: 1, log: (l) => lines.push(l),
    });
    // Rows follow the table's order, not the order asked for.
    expect(r.rows.map((x) => x.key)).toEqual(['lovasz', 'plca', 'bn_lovbn']);
    for (const row of r.rows) {
      expect(Object.keys(row.perSeed)).toEqual(['0', '1']);
      const v = Object.values(row.perSeed);
      expect(row.mean).toBeCloseTo((v[0] + v[1]) / 2, 9);
      expect(row.std).toBeCloseTo(Math.abs(v[0] - v[1]) / Math.SQRT2, 9);
    }
    const best = (s: string) => Math.max(r.rows[0].perSeed[s], r.rows[2].perSeed[s]);
    expect(r.plcaMargin).toEqual({ 0: r.rows[1].perSeed['0'] - best('0'), 1: r.rows[1].perSeed['1'] - best('1') });
    // Same network only: GN PLCA against the GN control; no BN PLCA arm ran, so no BN entry.
    expect(r.sameNetMargins).toEqual({ minicity_gn: { 0: r.rows[1].perSeed['0'] - r.rows[0].perSeed['0'], 1: r.rows[1].perSeed['1'] - r.rows[0].perSeed['1'] } });
    const saved = JSON.parse(readFileSync(join(dir, 'bench', 'bench.json'), 'utf8'));
    expect(saved.rows).toHaveLength(3);
    expect(readFileSync(join(dir, 'bench', 'bench.txt'), 'utf8')).toContain('BN net: + target BN statistics (control)');
    expect(lines.at(-1)).toMatch(/target-val mIoU/);
  });

  it('reuses finished runs stored under out (same settings only), so an interrupted benchmark resumes', async () => {
    const settings = { ablation: true, only: ['lovasz', 'plca'], seeds: [0, 1], steps: 1, batchSize: 2, sizes: { train: 4, val: 2 }, out: join(dir, 'bench'), backend: 'wasm' as const, threads: 1 };
    const first = JSON.parse(readFileSync(join(dir, 'bench', 'bench.json'), 'utf8'));
    const lines: string[] = [];
    const again = await runMinicityBench({ ...settings, log: (l) => lines.push(l) });
    expect(lines.filter((l) => l.includes('(reused ')).length).toBe(4);
    for (const row of again.rows) expect(row.perSeed).toEqual(first.rows.find((x: { key: string }) => x.key === row.key).perSeed);
    // Other settings (here 2 updates) do not match the stored fingerprint: the run is done again.
    const other: string[] = [];
    await runMinicityBench({ ...settings, only: ['lovasz'], seeds: [0], steps: 2, log: (l) => other.push(l) });
    expect(other.some((l) => l.includes('(reused '))).toBe(false);
  });

  it('runs arms in parallel child processes (--jobs) with the same scores as in one process', async () => {
    const base = { ablation: true, only: ['ce', 'plca'], seeds: [2], steps: 1, batchSize: 2, sizes: { train: 4, val: 2 }, backend: 'wasm' as const, threads: 1, log: () => {} };
    const serial = await runMinicityBench({ ...base, out: join(dir, 'serial') });
    const parallel = await runMinicityBench({ ...base, out: join(dir, 'parallel'), jobs: 2 });
    expect(parallel.rows.map((r) => r.perSeed)).toEqual(serial.rows.map((r) => r.perSeed));
    expect(JSON.parse(readFileSync(join(dir, 'parallel', 'runs', 'plca_s2', 'result.json'), 'utf8')).fingerprint.seed).toBe(2);
    await expect(runMinicityBench({ ...base, jobs: 2 })).rejects.toThrow(/--jobs needs --out/);
  }, 120_000);

  it('names unknown arms, and a fine-tuning arm without its parent', async () => {
    await expect(runMinicityBench({ ablation: true, only: ['nope'], seeds: 1 })).rejects.toThrow(/unknown arm\(s\) nope/);
    await expect(runMinicityBench({ only: ['self_training'], seeds: 1 })).rejects.toThrow(/starts from the source_only arm/);
  });

  it('--shifts: the arms on each shift, one table with mean ± std and the margin over the strongest control', async () => {
    const lines: string[] = [];
    const r = await runMinicityShifts({
      shifts: ['camera', 'sensor'], only: ['source_only', 'plca'], seeds: [0], steps: 1, batchSize: 2,
      sizes: { train: 4, val: 2 }, out: join(dir, 'shifts'), backend: 'wasm', threads: 1, log: (l) => lines.push(l),
    });
    expect(r.rows.map((x) => x.shift)).toEqual(['camera', 'sensor']);
    for (const row of r.rows) {
      const b = r.perShift[row.shift];
      expect(b.rows.map((x) => x.key)).toEqual(['source_only', 'plca']);
      expect(row.marginVsStrongest!.mean).toBeCloseTo(b.rows[1].perSeed['0'] - b.rows[0].perSeed['0'], 9);
      expect(row.strongestControl!.key).toBe('source_only');
    }
    // The camera preset is the default target; the sensor shift renders other target images, so other scores can follow.
    const saved = JSON.parse(readFileSync(join(dir, 'shifts', 'shifts.json'), 'utf8'));
    expect(saved.shifts).toEqual(['camera', 'sensor']);
    expect(readFileSync(join(dir, 'shifts', 'shifts.txt'), 'utf8')).toMatch(/^shift .*PLCA−best/);
    expect(lines.join('\n')).toMatch(/sensor .* ± /);
    await expect(runMinicityShifts({ shifts: ['camera'], targetStyle: 'night', seeds: 1 })).rejects.toThrow(/not both/);
  });
});
