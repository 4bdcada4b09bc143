import { describe, expect, it } from 'vitest';
import type { StepEvent, TrainEvent } from '../../train/index.js';
import { TrainReporter } from './train_reporter.js';

function sink(isTTY: boolean) {
  let text = '';
  return { stream: { write: (s: string) => (text += s), isTTY, columns: 100 }, text: () => text };
}

const start: TrainEvent = { type: 'start', step: 0, maxIters: 4, resumedFrom: null, outDir: '/runs/x', model: 'minicity_gn', mode: 'plca', params: 1234, notes: [] };
const step = (n: number): StepEvent => ({
  type: 'step', step: n, maxIters: 4, lr: 0.01, loss: 1 / n, terms: {}, diagnostics: {}, gradNorm: 1, ms: 5, elapsedMs: 5 * n,
});
const events: TrainEvent[] = [
  start, step(1), step(2),
  { type: 'validation', step: 2, metrics: { mIoU: 50, 'iou.road': 90 } },
  { type: 'warning', step: 2, code: 'association_collapse', message: 'cover ratio low', value: 0.05 },
  step(3), step(4), { type: 'end', step: 4, checkpoint: '/runs/x/c', elapsedMs: 20 },
];

describe('train reporter', () => {
  it('prints a line per log interval when stderr is not a terminal', () => {
    const out = sink(false);
    const r = new TrainReporter(out.stream, { json: false, verbose: false, logInterval: 2 });
    events.forEach((e) => r.onEvent(e));
    const lines = out.text().trim().split('\n');
    expect(lines[0]).toMatch(/^plca: training minicity_gn \(1,234 parameters, mode plca\) into \/runs\/x$/);
    expect(lines.filter((l) => l.startsWith('step '))).toEqual([
      'step 2/4 loss 0.5000 lr 1.00e-2 5 ms', 'step 4/4 loss 0.2500 lr 1.00e-2 5 ms',
    ]);
    // Per-class IoUs stay in the log file; the summary is printed.
    expect(out.text()).toContain('validation at update 2: mIoU 50.0\n');
    expect(out.text()).toContain('plca: warning at update 2: cover ratio low');
    expect(out.text()).not.toContain('\r');
  });

  it('draws a bar on a terminal and prints only warnings with --json', () => {
    const tty = sink(true);
    const r = new TrainReporter(tty.stream, { json: false, verbose: false, logInterval: 1 });
    events.forEach((e) => r.onEvent(e));
    expect(tty.text()).toMatch(/\rtrain \[[=> ]{20}\] \d\/4/);
    expect(tty.text()).toContain('4/4 100%');
    expect(tty.text().endsWith('\n')).toBe(true);
    const json = sink(true);
    const j = new TrainReporter(json.stream, { json: true, verbose: false, logInterval: 1 });
    events.forEach((e) => j.onEvent(e));
    expect(json.text()).toBe('plca: warning at update 2: cover ratio low\n');
  });
});
