/** `plca data check`: counts, problems and the class histogram of a dataset, read in place. */
import { Option } from 'commander';
import type { CommandSpec } from '../command.js';
import type { CliIo } from '../io.js';
import { addCommonOptions } from '../options.js';
import { ProgressBar } from '../progress.js';
import { printJson, requirePath, userPath } from './shared.js';
import type { CheckReport } from '../../data/check.js';

interface DataCheckOptions {
  dataset: 'cityscapes' | 'gtav' | 'synthia' | 'folder';
  root: string;
  split?: string;
  idMap?: string;
  json: boolean;
}

export const dataCheckCommand: CommandSpec = {
  path: ['data', 'check'],
  summary: 'check a dataset: missing pairs, unreadable files, size mismatches, unexpected label values, class histogram (exit 1 on problems)',
  examples: [
    'plca data check --dataset cityscapes --root data/cityscapes --split val',
    'plca data check --dataset gtav --root data/gta5 --json > gta5-check.json',
  ],
  configure: (cmd) => {
    cmd.addOption(new Option('-d, --dataset <name>', 'dataset layout').choices(['cityscapes', 'gtav', 'synthia', 'folder']).makeOptionMandatory());
    cmd.requiredOption('-r, --root <dir>', 'dataset root directory');
    cmd.option('-s, --split <split>', 'Cityscapes: a split folder of leftImg8bit/ (default: train) or a list file; the other datasets: a list file (default: scan the folders)');
    cmd.option('--id-map <file>', 'folder datasets: JSON mapping raw label ids to train ids');
    addCommonOptions(cmd, ['json']);
  },
  run: async (ctx, _args, raw) => {
    const opts = raw as unknown as DataCheckOptions;
    const root = requirePath(ctx.io, opts.root, 'dir', 'dataset root');
    const split = opts.split !== undefined && /[/\\.]/.test(opts.split) ? requirePath(ctx.io, opts.split, 'file', 'split list') : opts.split;
    const idMap = opts.idMap === undefined ? undefined : requirePath(ctx.io, opts.idMap, 'file', 'id mapping');
    const { checkDataset } = await import('../../data/check.js');
    let bar: ProgressBar | undefined;
    const report = checkDataset({
      dataset: opts.dataset, root, split, idMap,
      onProgress: (done, total) => {
        bar ??= new ProgressBar({ label: 'check', total, stream: ctx.io.stderr, enabled: !opts.json });
        bar.update(done);
      },
    });
    bar?.finish();
    if (opts.json) printJson(ctx.io, report);
    else printReport(ctx.io, opts.dataset, userPath(ctx.io, opts.root), report);
    if (report.problems.length > 0) ctx.exitCode = 1;
  },
};

function printReport(io: CliIo, dataset: string, root: string, r: CheckReport): void {
  const lines = [`${dataset} at ${root}: ${r.images} images, ${r.labels} labels, ${r.problems.length} problem(s)`];
  if (r.problems.length > 0) {
    lines.push('', 'problems:');
    for (const p of r.problems) lines.push(`  ${p.file}: ${p.problem}`);
  }
  const total = Object.values(r.histogram).reduce((a, b) => a + (b ?? 0), 0);
  if (total > 0) {
    const protocol = dataset === 'synthia' ? `; the ${Object.keys(r.histogram).length - 1} classes of the SYNTHIA protocol` : '';
    lines.push('', `class histogram (pixels, train ids${protocol}):`);
    for (const [name, n] of Object.entries(r.histogram) as [string, number][]) {
      lines.push(`  ${name.padEnd(14)}${String(n).padStart(14)} ${((100 * n) / total).toFixed(2).padStart(6)}%`);
    }
  }
  io.stdout.write(lines.join('\n') + '\n');
}
