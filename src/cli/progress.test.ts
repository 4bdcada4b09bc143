import { describe, expect, it } from 'vitest';
import { ProgressBar, formatDuration, renderProgress } from './progress.js';

function tty(isTTY: boolean) {
  let text = '';
  return { stream: { write: (s: string) => (text += s), isTTY, columns: 100 }, text: () => text };
}

describe('progress bar', () => {
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(75_000)).toBe('1:15');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
  });

  it('renders a bar with an ETA from the mean time per unit', () => {
    // 25 of 100 units in 10 s -> 30 s left; 25% of 20 cells = 5 cells, the last one the arrow.
    const line = renderProgress(25, 100, 10_000, 'train', 'loss 0.5', 100);
    expect(line).toBe('train [====>               ] 25/100  25% 0:10 ETA 0:30 loss 0.5');
    expect(renderProgress(100, 100, 10_000, 'x', '', 100)).toBe('x [====================] 100/100 100% 0:10');
    expect(renderProgress(5, 10, 1000, 'x', 'a'.repeat(200), 50)).toHaveLength(49);
  });

  it('draws only on a TTY, throttled, and finishes with a newline', () => {
    let t = 0;
    const out = tty(true);
    const bar = new ProgressBar({ label: 'eval', total: 10, stream: out.stream, now: () => t });
    bar.update(1);
    t = 50;
    bar.update(2); // within 100 ms: skipped
    t = 200;
    bar.update(3);
    bar.finish();
    const frames = out.text().split('\r').filter(Boolean);
    expect(frames.map((f) => f.match(/ (\d+)\/10/)?.[1])).toEqual(['1', '3', '10']);
    expect(out.text().endsWith('\n')).toBe(true);
  });

  it('is a no-op when not a TTY or when disabled (--json)', () => {
    const pipe = tty(false);
    const off = tty(true);
    for (const bar of [
      new ProgressBar({ label: 'a', total: 3, stream: pipe.stream }),
      new ProgressBar({ label: 'a', total: 3, stream: off.stream, enabled: false }),
    ]) {
      bar.update(1);
      bar.clear();
      bar.finish();
      expect(bar.active).toBe(false);
    }
    expect(pipe.text()).toBe('');
    expect(off.text()).toBe('');
  });

  it('off a TTY, writes a plain line at each requested fraction when asked (for log files)', () => {
    const pipe = tty(false);
    const bar = new ProgressBar({ label: 'train', total: 10, stream: pipe.stream, plainEvery: 0.5, now: () => 0 });
    for (let i = 1; i <= 10; i++) bar.update(i);
    bar.finish();
    const lines = pipe.text().trim().split('\n');
    expect(lines.map((l) => l.match(/ (\d+)\/10/)?.[1])).toEqual(['5', '10']);
    expect(bar.active).toBe(false);
  });
});
