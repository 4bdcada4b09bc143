/**
 * What the user sees while training: a progress bar with loss and ETA on a terminal; plain
 * lines every log interval when stderr is a file or pipe; nothing but warnings with --json.
 */
import type { TrainEvent } from '../../train/index.js';
import type { OutStream } from '../io.js';
import { ProgressBar } from '../progress.js';

export interface ReporterOptions {
  json: boolean;
  verbose: boolean;
  logInterval: number;
}

export class TrainReporter {
  private bar: ProgressBar | undefined;

  constructor(private readonly stream: OutStream, private readonly opts: ReporterOptions) {}

  onEvent(e: TrainEvent): void {
    switch (e.type) {
      case 'start':
        this.bar = new ProgressBar({ label: 'train', total: e.maxIters, stream: this.stream, enabled: !this.opts.json });
        if (!this.opts.json) {
          const from = e.resumedFrom ? `, resumed from ${e.resumedFrom} at update ${e.step}` : '';
          this.line(`plca: training ${e.model} (${e.params.toLocaleString('en-US')} parameters, mode ${e.mode}) into ${e.outDir}${from}`);
        }
        // Why the resume took another checkpoint than latest.json names: said even with --json.
        for (const note of e.notes) this.line(`plca: note: ${note}`);
        break;
      case 'step': {
        const note = `loss ${fmt(e.loss)}`;
        if (this.bar?.active) this.bar.update(e.step, note);
        else if (!this.opts.json && (e.step % this.opts.logInterval === 0 || e.step === e.maxIters)) {
          this.line(`step ${e.step}/${e.maxIters} ${note} lr ${e.lr.toExponential(2)} ${e.ms} ms`);
        }
        break;
      }
      case 'warning':
        this.line(`plca: warning at update ${e.step}: ${e.message}`);
        break;
      case 'adaptation':
        // A rollback or giving up is said even with --json (as a warning is); the schedule's milestones are not.
        if (e.action === 'rollback' || e.action === 'source_only') this.line(`plca: collapse guard: ${e.message}`);
        else if (!this.opts.json) this.line(`plca: at update ${e.step}: ${e.message}`);
        break;
      case 'validation':
        if (!this.opts.json) this.line(`validation at update ${e.step}: ${summaryMetrics(e.metrics).map(([k, v]) => `${k} ${pct(v)}`).join(', ')}`);
        break;
      case 'checkpoint':
        if (this.opts.verbose) this.line(`checkpoint ${e.path}`);
        break;
      case 'end':
        this.bar?.finish();
        break;
      default:
        break;
    }
  }

  /** Ends the bar so an error message starts on its own line. */
  stop(): void {
    if (this.bar?.active) this.stream.write('\n');
    this.bar = undefined;
  }

  private line(text: string): void {
    this.bar?.clear();
    this.stream.write(`${text}\n`);
  }
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : String(v);
}

/** A validation metric: a percentage (src/eval/metrics.ts), one decimal as every table prints it. */
function pct(v: number): string {
  return Number.isFinite(v) ? v.toFixed(1) : String(v);
}

/** The summary numbers of a validation (per-class entries such as `iou.road` stay in the log file). */
function summaryMetrics(m: Record<string, number>): [string, number][] {
  return Object.entries(m).filter(([k]) => !k.includes('.'));
}
