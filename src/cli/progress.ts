/**
 * A small progress bar with ETA for long work, drawn on stderr so stdout stays clean for
 * `--json`. It draws only on a TTY; elsewhere (pipes, CI logs, --json) every call is a no-op,
 * unless `plainEvery` asks for a plain line at every such fraction of the work (for long runs whose
 * output goes to a log file, where silence for minutes looks like a hang).
 */
import type { OutStream } from './io.js';

export interface ProgressOptions {
  /** Shown before the bar, e.g. "train". */
  label: string;
  /** Number of units of work (steps, images). */
  total: number;
  /** Where to draw; nothing is drawn unless `stream.isTTY`. */
  stream: OutStream;
  /** Force off (e.g. --json), whatever the stream. @default true */
  enabled?: boolean;
  /** Clock in ms, injectable for tests. @default Date.now */
  now?: () => number;
  /** Minimum ms between redraws, so a fast loop does not flood the terminal. @default 100 */
  minIntervalMs?: number;
  /** Off a TTY (and when enabled), write one plain line each time this fraction of the work is
   *  done, e.g. 0.1 → ten lines. @default 0 (none) */
  plainEvery?: number;
}

export class ProgressBar {
  readonly active: boolean;
  private readonly plain: boolean;
  private readonly opts: Required<Omit<ProgressOptions, 'enabled'>>;
  private readonly start: number;
  private lastDraw = -Infinity;
  private lastLine = '';
  private lastPlainStage = 0;

  constructor(opts: ProgressOptions) {
    this.opts = { now: Date.now, minIntervalMs: 100, plainEvery: 0, ...opts };
    const enabled = (opts.enabled ?? true) && opts.total > 0;
    this.active = enabled && opts.stream.isTTY === true;
    this.plain = enabled && !this.active && this.opts.plainEvery > 0;
    this.start = this.opts.now();
  }

  /** Moves the bar to `done` units; `note` is free text such as "loss 0.42". */
  update(done: number, note = ''): void {
    if (this.plain) return this.plainLine(done, note);
    if (!this.active) return;
    const t = this.opts.now();
    if (done < this.opts.total && t - this.lastDraw < this.opts.minIntervalMs) return;
    this.lastDraw = t;
    this.draw(renderProgress(done, this.opts.total, t - this.start, this.opts.label, note, this.width()));
  }

  /** Ends the bar with a newline so later output starts on a fresh line. */
  finish(note = ''): void {
    if (!this.active) return;
    this.lastDraw = -Infinity;
    this.update(this.opts.total, note);
    this.opts.stream.write('\n');
  }

  /** Erases the bar (before printing a message under it); the next update redraws it. */
  clear(): void {
    if (!this.active || !this.lastLine) return;
    this.opts.stream.write(`\r${' '.repeat(this.lastLine.length)}\r`);
    this.lastLine = '';
    this.lastDraw = -Infinity;
  }

  private plainLine(done: number, note: string): void {
    const stage = Math.floor(Math.min(1, done / this.opts.total) / this.opts.plainEvery + 1e-9);
    if (stage <= this.lastPlainStage) return;
    this.lastPlainStage = stage;
    const line = renderProgress(done, this.opts.total, this.opts.now() - this.start, this.opts.label, note, 120);
    this.opts.stream.write(`${line}\n`);
  }

  private width(): number {
    return Math.max(40, Math.min(this.opts.stream.columns ?? 80, 120));
  }

  private draw(line: string): void {
    const pad = Math.max(0, this.lastLine.length - line.length);
    this.opts.stream.write(`\r${line}${' '.repeat(pad)}`);
    this.lastLine = line;
  }
}

/** One line: `label [=====>    ] 12/100  12% 0:03 ETA 0:22 note`, cut to `width`. */
export function renderProgress(done: number, total: number, elapsedMs: number, label: string, note: string, width: number): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const barWidth = 20;
  const filled = Math.round(frac * barWidth);
  const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? (frac >= 1 ? '=' : '>') : '') + ' '.repeat(barWidth - filled);
  // ETA assumes the remaining units take as long on average as the finished ones.
  const eta = done > 0 && frac < 1 ? `ETA ${formatDuration((elapsedMs / done) * (total - done))}` : '';
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  const parts = [label, `[${bar}]`, `${done}/${total}`, pct, formatDuration(elapsedMs), eta, note].filter((s) => s !== '');
  const line = parts.join(' ');
  return line.length > width - 1 ? line.slice(0, width - 1) : line;
}

/** 75_000 → "1:15", 3_725_000 → "1:02:05". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
