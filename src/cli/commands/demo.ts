/**
 * `plca demo` (= `npm start`) and `plca bench minicity`: the embedded MiniCity benchmark
 * (src/demo). Each arm is a config of configs/ plus overrides; the flags below are overrides
 * too (docs/minicity.md), and `--set` adds any other. Ctrl-C stops them at once (Node's
 * default): a demo has nothing to resume, and the benchmark reuses its finished runs.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { CliIo } from '../io.js';
import { makeOutDir } from '../out_path.js';
import type { CommandSpec } from '../command.js';
import { addCommonOptions, parseInteger, type CommonOptions } from '../options.js';
import { ProgressBar } from '../progress.js';
import { printJson, requirePath, userPath } from './shared.js';
import { looksLikeShiftName, shiftPreset, SHIFT_NAMES } from '../../minicity/shifts.js';

interface MiniCityOptions extends CommonOptions {
  quick?: boolean;
  k?: number;
  targetStyle?: string;
  steps?: number;
  trainImages?: number;
  valImages?: number;
  batchSize?: number;
  weighting?: 'scaled' | 'paper' | 'reference';
  jobs?: number;
}

function parseGap(value: string): number {
  const k = Number(value);
  if (!(Number.isFinite(k) && k >= 0)) throw new InvalidArgumentError(`--k must be a number ≥ 0, got "${value}".`);
  return k;
}

/** Options shared by `demo` and `bench minicity`. */
function addMiniCityOptions(cmd: Parameters<CommandSpec['configure']>[0]): void {
  cmd.option('--quick', '120 updates on 300 images per domain: about 2 minutes instead of about 7 on 2 cores');
  cmd.option('--k <gap>', 'target style gap, 0 = source-like (data.minicity.targetGap)', parseGap);
  cmd.option('--target-style <name|file>', `a shift preset (${SHIFT_NAMES.join(', ')}) or a JSON file of target style and scene overrides (data.minicity.targetStyle)`);
  cmd.option('--steps <n>', 'updates per training run (train.maxIters and train.polyHorizon)', parseInteger('--steps', 1));
  cmd.option('--train-images <n>', 'source and target training images each (data.minicity.trainImages)', parseInteger('--train-images', 1));
  cmd.option('--val-images <n>', 'source and target validation images each (data.minicity.valImages)', parseInteger('--val-images', 1));
  cmd.option('--batch-size <n>', 'images per update from each domain (train.batchSize)', parseInteger('--batch-size', 1));
  cmd.addOption(new Option('--weighting <name>', 'loss weights (method.weights): scaled (β2 = 0.02, the default at this scale), paper, reference').choices(['scaled', 'paper', 'reference']));
  cmd.option('--jobs <n>', 'training runs side by side, each a process with cores/n threads (demo default: 2 on 2+ cores; bench: 1, needs --out)', parseInteger('--jobs', 1));
  addCommonOptions(cmd, ['set', 'out', 'seed', 'backend', 'threads', 'json']);
}

function commonSettings(io: CliIo, o: MiniCityOptions) {
  // A bare word is a shift preset (checked here, so a misspelt name fails before any work); else a file.
  const targetStyle = o.targetStyle === undefined ? undefined
    : looksLikeShiftName(o.targetStyle) ? (shiftPreset(o.targetStyle), o.targetStyle) : requirePath(io, o.targetStyle, 'file', 'target style file');
  const sizes = o.trainImages !== undefined || o.valImages !== undefined ? { train: o.trainImages, val: o.valImages } : undefined;
  return {
    quick: o.quick, k: o.k, targetStyle, steps: o.steps, sizes, batchSize: o.batchSize, weighting: o.weighting,
    out: o.out === undefined ? undefined : makeOutDir(userPath(io, o.out), '--out'), backend: o.backend === 'tensorflow' ? undefined : o.backend, threads: o.threads,
    jobs: o.jobs, set: o.set,
  };
}

/** One bar per training run; `label` names the run. */
class RunBars {
  private bar: ProgressBar | undefined;
  private label = '';

  constructor(private readonly io: CliIo, private readonly enabled: boolean) {}

  step(label: string, step: number, total: number, note: string): void {
    if (label !== this.label) {
      this.bar?.finish();
      this.label = label;
      this.bar = new ProgressBar({ label, total, stream: this.io.stderr, enabled: this.enabled, plainEvery: 0.1 });
    }
    this.bar?.update(step, note);
  }

  log(line: string): void {
    this.bar?.clear();
    (this.enabled ? this.io.stdout : this.io.stderr).write(`${line}\n`);
  }

  end(): void {
    this.bar?.finish();
    this.bar = undefined;
  }
}

export const demoCommand: CommandSpec = {
  path: ['demo'],
  summary: 'MiniCity demo: train source-only, two controls (augmentation, self-training) and PLCA on generated street scenes, compare on the target domain, write results.json and report.html',
  examples: [
    'plca demo --quick',
    'plca demo --out runs/demo --seed 1 --json',
    'plca demo --set method.weights.association=0.05   # any config key, for every arm',
    'plca demo --quick --target-style night            # a shift preset (configs/shifts/)',
  ],
  configure: addMiniCityOptions,
  run: async (ctx, _args, raw) => {
    const o = raw as unknown as MiniCityOptions;
    const { runDemo } = await import('../../demo/index.js');
    const bars = new RunBars(ctx.io, !o.json);
    const out = await runDemo({
      ...commonSettings(ctx.io, o), seed: o.seed,
      log: (line) => bars.log(line),
      onProgress: (p) => {
        if (p.step !== undefined && p.maxIters !== undefined && p.arm !== undefined) {
          const loss = p.event?.type === 'step' ? `loss ${p.event.loss.toFixed(3)}` : '';
          bars.step(`${p.phase} (${p.arm}/${p.arms})`, p.step, p.maxIters, loss);
        } else if (p.message && !o.json) bars.log(p.message);
      },
    });
    bars.end();
    if (o.json) printJson(ctx.io, { ...out.results, resultsPath: out.resultsPath, reportPath: out.reportPath });
  },
};

interface BenchMiniCityOptions extends MiniCityOptions {
  ablation?: boolean;
  shifts?: string;
  seeds: number;
  seedList?: number[];
  only?: string;
}

function parseSeedList(value: string): number[] {
  const seeds = value.split(',').map((x) => x.trim()).filter(Boolean).map(Number);
  if (seeds.length === 0 || seeds.some((x) => !Number.isInteger(x) || x < 0)) {
    throw new InvalidArgumentError(`--seed-list must be comma-separated integers ≥ 0, got "${value}".`);
  }
  return seeds;
}

/** `--shifts all|a,b`: preset names (checked now) or style files (absolute paths). */
function parseShifts(io: CliIo, value: string): string[] {
  const names = value.trim() === 'all' ? [...SHIFT_NAMES] : value.split(',').map((x) => x.trim()).filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError(`--shifts names no shift: "${value}"`);
  return names.map((n) => (looksLikeShiftName(n) ? (shiftPreset(n), n) : requirePath(io, n, 'file', 'target style file')));
}

export const benchMiniCityCommand: CommandSpec = {
  path: ['bench', 'minicity'],
  summary: 'MiniCity benchmark: source-only, the controls and PLCA (on each --shifts target), or the Table 1 ablation (--ablation), mean ± std over seeds',
  examples: [
    'plca bench minicity --ablation --seeds 3 --out runs/table1',
    'plca bench minicity --ablation --seeds 3 --jobs 2 --out runs/table1   # two single-threaded runs at a time',
    'plca bench minicity --quick --seeds 1 --json',
    'plca bench minicity --shifts all --seeds 3 --jobs 2 --out runs/shifts   # every shift preset: one table',
    'plca bench minicity --shifts night,fog --seeds 1 --quick --jobs 2 --out runs/shifts-quick',
    'plca bench minicity --only plca --seed-list 0 --set method.lsrLambda=5 --out runs/lsr5',
  ],
  configure: (cmd) => {
    cmd.option('--ablation', 'every arm of the paper\'s Table 1 plus the BN target-statistics control');
    cmd.option('--seeds <n>', 'number of seeds (0 … n−1)', parseInteger('--seeds', 1), 3);
    cmd.option('--seed-list <seeds>', 'the seeds themselves, comma-separated (instead of --seeds)', parseSeedList);
    cmd.option('--only <keys>', 'comma-separated arm keys to run (a subset of the table)');
    cmd.option('--shifts <names>', `run on each target shift: "all" (${SHIFT_NAMES.join(', ')}) or comma-separated preset names or style files; one table of every shift`);
    addMiniCityOptions(cmd);
  },
  run: async (ctx, _args, raw) => {
    const o = raw as unknown as BenchMiniCityOptions;
    const { runMinicityBench, runMinicityShifts } = await import('../../demo/index.js');
    const bars = new RunBars(ctx.io, !o.json);
    const shifts = o.shifts === undefined ? undefined : parseShifts(ctx.io, o.shifts);
    const run = shifts === undefined ? runMinicityBench : (x: Parameters<typeof runMinicityBench>[0]) => runMinicityShifts({ ...x, shifts });
    const results = await run({
      ...commonSettings(ctx.io, o), ablation: o.ablation, seeds: o.seedList ?? o.seeds,
      only: o.only?.split(',').map((s) => s.trim()).filter(Boolean),
      log: (line) => bars.log(line),
      onProgress: (p) => {
        if (p.step !== undefined && p.maxIters !== undefined) {
          const loss = p.event?.type === 'step' ? `loss ${p.event.loss.toFixed(3)}` : '';
          bars.step(`${p.arm} seed ${p.seed} (${p.index}/${p.total})`, p.step, p.maxIters, loss);
        }
      },
    });
    bars.end();
    if (o.json) printJson(ctx.io, results);
  },
};
